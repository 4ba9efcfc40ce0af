// "Copy link" buttons: copy the data-copy value to the clipboard. No third-party script.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var done = function () {
      var note = button.parentElement.querySelector(".copied");
      if (note) { note.hidden = false; }
    };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(button.dataset.copy).then(done);
    } else {
      window.prompt("Copy this link:", button.dataset.copy);
    }
  });
});
