// "Copy link" buttons: copy the data-copy value to the clipboard. No third-party script.
// The confirmation goes into a live region next to the button (role="status"), present and
// empty from the start, so screen readers announce "Link copied." when the text appears.
// The words come from the page (data-done on the live region, data-prompt on the button), so
// they are in the page's language; English when a page does not give them.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var note = button.parentElement.querySelector(".copied");
    var done = function () {
      if (!note) { return; }
      note.textContent = "";
      window.setTimeout(function () { note.textContent = note.dataset.done || "Link copied."; }, 50);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(button.dataset.copy).then(done, function () {
        window.prompt(button.dataset.prompt || "Copy this link:", button.dataset.copy);
      });
    } else {
      window.prompt(button.dataset.prompt || "Copy this link:", button.dataset.copy);
    }
  });
});
