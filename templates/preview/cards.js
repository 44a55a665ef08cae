// The cards' page: typeset every card as Anki's reviewer does (MathJax.typesetPromise after the HTML is in
// place), and take night mode from the preview's switch, or from #night when the page is opened alone.
(() => {
  // The front's type-in field calls this on every key, as in Anki's reviewer; the preview has nothing to do.
  window._typeAnsPress = () => {};
  const boxes = [...document.querySelectorAll(".card")];
  // Desktop Anki's night mode: `night-mode` on <html>, `nightMode night_mode` on the card's body.
  function setNight(on) {
    document.documentElement.classList.toggle("night-mode", on);
    document.documentElement.classList.toggle("dark", on);
    for (const box of boxes) {
      box.classList.toggle("nightMode", on);
      box.classList.toggle("night_mode", on);
    }
  }
  window.addEventListener("message", (event) => {
    if (event.data && typeof event.data.night === "boolean") setNight(event.data.night);
  });
  setNight(location.hash === "#night");
  window.l13Typeset = MathJax.startup.promise.then(() => MathJax.typesetPromise());
})();
