"""The space: stations, levels, units, zones, utility points and business types."""
