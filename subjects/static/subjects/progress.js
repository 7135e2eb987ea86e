// Import progress: poll the batch's progress.json until it finishes, then reload for the totals.
(function () {
  var box = document.getElementById("import-progress");
  if (!box || box.dataset.finished === "1") { return; }
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        document.getElementById("import-bar").value = d.percent;
        document.getElementById("import-processed").textContent = d.processed;
        document.getElementById("import-total").textContent = d.total;
        document.getElementById("import-status").textContent = d.status_display;
        if (d.finished) { window.location.reload(); } else { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
