// Department upload: send the form with XMLHttpRequest to show the upload's progress, then
// show the server's answer: the batch page it redirects to, or the form with its errors.
(function () {
  var form = document.getElementById("dataset-upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var box = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-bar");
    var percent = document.getElementById("upload-percent");
    var phase = document.getElementById("upload-phase");
    var button = form.querySelector("button[type=submit]");
    box.hidden = false;
    button.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      var p = Math.round((e.loaded / e.total) * 100);
      bar.value = p;
      percent.textContent = p;
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      percent.textContent = 100;
      phase.textContent = phase.dataset.checking;
    });
    xhr.addEventListener("load", function () {
      // Show the answer as it came (the batch page with its message, or the form with its errors).
      if (xhr.responseURL && window.history.replaceState) { window.history.replaceState(null, "", xhr.responseURL); }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () { button.disabled = false; form.submit(); });
    xhr.send(new FormData(form));
  });
})();
