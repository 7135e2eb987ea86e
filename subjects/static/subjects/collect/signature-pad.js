/* A small signature pad on a <canvas> (Laurel's own, no dependencies): pointer strokes, clear,
   "is it empty?", and the drawing as a PNG data: URL. Usage: const pad = LaurelSignaturePad(canvas). */
(function () {
  "use strict";
  window.LaurelSignaturePad = function (canvas) {
    const ctx = canvas.getContext("2d");
    let drawing = false;
    let strokes = 0;
    let last = null;

    function reset() {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#111111";
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      strokes = 0;
    }

    function point(event) {
      const box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) {
        try { canvas.setPointerCapture(event.pointerId); } catch (e) { /* synthetic pointers */ }
      }
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      const next = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      last = next;
      strokes += 1;
    });
    function stop() { drawing = false; last = null; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);
    reset();

    return {
      clear: reset,
      isEmpty: function () { return strokes < 3; },
      toDataURL: function () { return canvas.toDataURL("image/png"); },
    };
  };
})();
