"""The business classes and types (业态) the network lets, with what each type needs.

Loaded by a data migration; officers may add types in the admin afterwards. Power figures
are the planning minimums the commercial company uses when provisioning a unit. Floor
sockets (地插) serve counters and equipment away from the walls, so only the types that
place them in the middle of a unit need them; the others use wall sockets.
"""

from decimal import Decimal as D

# (code, Chinese name, English name, is_basic)
CLASSES = [
    ("catering", "餐饮", "Catering", True),
    ("retail", "零售", "Retail", False),
    ("leisure", "休闲", "Leisure", False),
    ("services", "服务", "Services", False),
]

# One type a line: class, code, minimum kW, floor sockets, then water, drainage, exhaust and
# basic configuration (Y or -), the Chinese name and, after "|", the English name.
_TYPE_TABLE = """
catering  fast-food             30 0 Y Y Y - 快餐 | Fast food
catering  chinese-fast-food     30 0 Y Y Y - 中式快餐 | Chinese fast food
catering  noodles               25 0 Y Y Y - 面馆 | Noodle bar
catering  coffee                15 1 Y Y - - 咖啡 | Coffee
catering  tea-drinks            12 0 Y Y - - 茶饮 | Tea and drinks
catering  bakery                20 0 Y Y Y - 烘焙 | Bakery
catering  local-snacks          20 0 Y Y Y - 地方小吃 | Local snacks
catering  ice-cream              8 0 Y Y - - 冰淇淋甜品 | Ice cream and desserts
retail    convenience-store     10 0 - - - Y 便利店 | Convenience store
retail    bookstore              3 0 - - - Y 书刊 | Books and periodicals
retail    local-specialty        5 0 - - - - 地方特产 | Local specialty food
retail    supermarket           20 1 Y - - - 超市 | Supermarket
retail    pharmacy               5 0 - - - - 药店 | Pharmacy
retail    brand-showcase         5 1 - - - - 品牌展示 | Brand showcase
retail    digital-accessories    5 1 - - - - 数码配件 | Digital accessories
retail    travel-goods           3 0 - - - - 旅行用品 | Travel goods
retail    tobacco-liquor         3 0 - - - - 烟酒 | Tobacco and liquor
retail    gifts-souvenirs        3 0 - - - - 礼品纪念品 | Gifts and souvenirs
retail    vending                2 0 - - - - 自动售货 | Vending
leisure   vip-lounge            20 2 Y Y - - 商务候车室 | VIP lounge
leisure   massage-chairs         8 2 - - - - 按摩椅 | Massage chairs
leisure   reading-bar            8 0 Y Y - - 书吧 | Reading bar
leisure   game-arcade           10 2 - - - - 休闲娱乐 | Games and entertainment
leisure   charging-station       3 1 - - - - 共享充电 | Phone charging
services  luggage-storage        2 0 - - - Y 行李寄存 | Luggage storage
services  telecom-hall           8 2 - - - - 通信营业厅 | Telecom service hall
services  bank-atm               2 0 - - - - 银行自助 | Bank ATM
services  bank-branch           10 2 - - - - 银行网点 | Bank branch
services  car-rental             3 0 - - - - 汽车租赁 | Car rental
services  travel-agency          3 0 - - - - 旅游服务 | Travel agency
services  express-delivery       3 0 - - - - 快递 | Express delivery
services  photo-print            5 1 - - - - 照相打印 | Photos and printing
services  hotel-booking          2 0 - - - - 酒店预订 | Hotel booking
services  maternal-room          3 0 Y Y - - 母婴服务 | Mother and baby services
"""


def _parse_types(table: str):
    for line in table.strip().splitlines():
        left, name_en = line.split("|")
        cls, code, kw, sockets, water, drain, exhaust, basic, name_zh = left.split()
        flags = [flag == "Y" for flag in (water, drain, exhaust, basic)]
        yield (cls, code, name_zh, name_en.strip(), D(kw), int(sockets), *flags)


# (class, code, Chinese, English, min kW, floor sockets, water, drainage, exhaust, is_basic)
TYPES = list(_parse_types(_TYPE_TABLE))
