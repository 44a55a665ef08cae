// The preview's switches: the width of the cards' frame, and night mode, passed to the frame by a message
// (a page opened from file:// may not reach into its frame's document).
(() => {
  const frame = document.getElementById("cards");
  const night = document.getElementById("night");
  const buttons = [...document.querySelectorAll("button[data-width]")];
  function width(button) {
    for (const b of buttons) b.setAttribute("aria-pressed", String(b === button));
    const px = button.dataset.width;
    frame.style.width = px === "full" ? "100%" : px + "px";
  }
  function sendNight() {
    document.body.classList.toggle("dark", night.checked);
    frame.contentWindow.postMessage({night: night.checked}, "*");
  }
  for (const b of buttons) b.addEventListener("click", () => width(b));
  night.addEventListener("change", sendNight);
  frame.addEventListener("load", sendNight);
  width(buttons.find((b) => b.getAttribute("aria-pressed") === "true") || buttons[0]);
})();
