// A download link that follows the list's filters: Wagtail applies filters and searches
// without reloading the page, so the link takes the page's current query when clicked.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-cms-follow-filters]");
  if (link) {
    link.href = link.dataset.cmsFollowFilters + window.location.search;
  }
});
