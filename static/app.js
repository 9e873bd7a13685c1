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

// A CSR file chosen with a file input[data-fill] goes into the textarea it names:
// PEM text as it is, a binary (DER) file as base64, which the server also reads.
document.addEventListener("change", async (event) => {
  const input = event.target;
  const target = input.getAttribute && document.getElementById(input.getAttribute("data-fill") || "");
  if (!target || !input.files || input.files.length === 0) return;
  const bytes = new Uint8Array(await input.files[0].arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  if (text.includes("-----BEGIN")) {
    target.value = text;
  } else {
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    target.value = btoa(binary);
  }
});

// A button[data-copy] copies the text of the element it names. It is hidden until this
// script shows it, so a page without script has no button that does nothing.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const source = document.getElementById(button.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = button.getAttribute("data-copied");
  });
}
