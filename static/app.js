// tcs-portal: small progressive enhancements. Every page works without this file.
"use strict";

// Forms marked data-confirm ask before a destructive action.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Stop double submissions: once a form is sent, its buttons are disabled.
document.addEventListener("submit", (event) => {
  if (event.defaultPrevented) return;
  for (const button of event.target.querySelectorAll("button[type=submit]")) {
    // Let the clicked button's name/value still be sent before disabling.
    setTimeout(() => { button.disabled = true; }, 0);
  }
});
