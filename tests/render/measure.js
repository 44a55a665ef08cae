// What a learner would notice on one rendered card, measured in the browser after MathJax has typeset it.
// Defines window.l13Measure(root, options) -> {problems: [string], math: number}. `root` is the card's box
// (Anki's #qa, or a card of the preview). The right edge is the page's: document.documentElement.clientWidth.
(() => {
  const TEX_AS_TEXT = /\\\(|\\\)|\\\[|\\\]|\\[A-Za-z]{2,}|\$\$|[_^]\{/;
  const TEMPLATE_TEXT = /\{\{|\}\}|\{%|%\}|\[\[type:|unknown field/i;
  const SCROLLING = new Set(["auto", "scroll", "hidden", "clip"]);

  function describe(node) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const text = (node.textContent || el.getAttribute("alt") || el.getAttribute("src") || "").replace(/\s+/g, " ").trim();
    const math = el.closest("mjx-container");
    const where = math ? `in the math "${mathSource(math).slice(0, 90)}"` : `"${text.slice(0, 90)}"`;
    const cls = el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "";
    return `<${el.tagName.toLowerCase()}${cls}> ${where}`;
  }

  // MathJax keeps the TeX it typeset; naming it says which formula a problem is in.
  function mathSource(container) {
    for (const item of MathJax.startup.document.math) if (item.typesetRoot === container) return item.math;
    return container.textContent;
  }

  function outsideMath(node) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    return !el.closest("mjx-container, style, script");
  }

  function textNodes(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.textContent.trim() && outsideMath(n)) nodes.push(n);
    }
    return nodes;
  }

  function visible(el) {
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none" && Number(style.opacity) > 0;
  }

  // The right end of what an element may show: its own box, cut by every ancestor that clips overflow.
  function clipRight(el) {
    let right = Infinity;
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (SCROLLING.has(getComputedStyle(a).overflowX)) {
        const r = a.getBoundingClientRect();
        right = Math.min(right, r.left + a.clientLeft + a.clientWidth);
      }
    }
    return right;
  }

  function pastRightEdge(root, edge, problems) {
    const found = [];
    for (const el of root.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.right <= edge + 0.5) continue;
      const right = Math.min(r.right, clipRight(el));
      if (right > edge + 0.5 && visible(el)) found.push([el, right - edge]);
    }
    for (const n of textNodes(root)) {
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) {
        const right = Math.min(r.right, clipRight(n));
        if (r.width > 0 && right > edge + 0.5) { found.push([n, right - edge]); break; }
      }
    }
    // Report the innermost offenders (an overflowing glyph makes all its boxes overflow too).
    const inner = found.filter(([el]) => !found.some(([other]) => other !== el && el.contains(other)));
    for (const [el, by] of inner.slice(0, 6)) problems.push(`past the right edge by ${by.toFixed(1)} px: ${describe(el)}`);
    if (inner.length > 6) problems.push(`... and ${inner.length - 6} more past the right edge`);
  }

  function needsSidewaysScroll(root, problems) {
    const boxes = [document.documentElement, document.body, ...root.querySelectorAll("*")];
    for (const el of boxes) {
      const overflow = getComputedStyle(el).overflowX;
      const page = el === document.documentElement || el === document.body;
      if (!page && !SCROLLING.has(overflow)) continue;
      const hidden = el.scrollWidth - el.clientWidth;
      if (hidden > 1) {
        const how = overflow === "hidden" || overflow === "clip" ? "clips" : "scrolls sideways over";
        problems.push(`a box ${how} ${hidden} px: ${describe(el)}`);
      }
    }
  }

  // WCAG 2 relative luminance and contrast ratio.
  function parse(color) {
    const m = color.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function background(el) {
    const layers = [];
    for (let a = el; a; a = a.parentElement) {
      const c = parse(getComputedStyle(a).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
  }
  function luminance(c) {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function contrast(el) {
    const bg = background(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  function lowContrast(root, minimum, problems) {
    const elements = new Set(textNodes(root).map((n) => n.parentElement));
    for (const m of root.querySelectorAll("mjx-container")) elements.add(m);  // math glyphs are CSS content
    for (const el of elements) {
      if (!visible(el)) continue;
      const ratio = contrast(el);
      if (ratio < minimum) problems.push(`text contrast ${ratio.toFixed(2)}:1, below ${minimum}:1: ${describe(el)}`);
    }
  }

  function images(root, options, problems) {
    for (const img of root.querySelectorAll("img")) {
      if (!img.complete || img.naturalWidth === 0) { problems.push(`image did not load: ${img.getAttribute("src")}`); continue; }
      if (!options.figureText) continue;
      const stated = img.getAttribute("data-min-text-px");
      if (stated === null) { problems.push(`figure ${img.getAttribute("src")} has no data-min-text-px (its smallest text size)`); continue; }
      const style = getComputedStyle(img);
      const shown = img.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const px = Number(stated) * shown / img.naturalWidth;
      if (!(px >= options.figureText)) {
        problems.push(`figure text ${px.toFixed(1)} CSS px, below ${options.figureText}: ${img.getAttribute("src")} ` +
                      `(smallest ${stated} px at ${img.naturalWidth} px wide, shown ${shown.toFixed(0)} px wide)`);
      }
    }
  }

  function leftovers(root, problems) {
    for (const el of root.querySelectorAll("mjx-merror, [data-mjx-error]")) {
      problems.push(`MathJax error ${JSON.stringify(el.getAttribute("data-mjx-error") || el.textContent)}: ${describe(el)}`);
    }
    for (const n of textNodes(root)) {
      if (TEX_AS_TEXT.test(n.textContent)) problems.push(`TeX left as text: ${describe(n)}`);
      if (TEMPLATE_TEXT.test(n.textContent)) problems.push(`template text on the card: ${describe(n)}`);
    }
  }

  window.l13Measure = (root, options) => {
    const problems = [];
    // MathJax's assistive MathML copy is visually hidden (clipped to 1 px) but can widen boxes a little:
    // it is left out of every measurement, as the brief for the render suite says.
    const hide = document.createElement("style");
    hide.textContent = "mjx-assistive-mml { display: none !important; }";
    document.head.appendChild(hide);
    try {
      const edge = document.documentElement.clientWidth;
      leftovers(root, problems);
      pastRightEdge(root, edge, problems);
      needsSidewaysScroll(root, problems);
      images(root, options, problems);
      lowContrast(root, options.contrast, problems);
    } finally {
      hide.remove();
    }
    return {problems, math: root.querySelectorAll("mjx-container").length};
  };

  // Typeset a root as Anki's reviewer does (MathJax.typesetPromise on the inserted card), then wait until
  // what a learner sees has settled: images decoded, web fonts loaded, two frames drawn.
  window.l13Settle = async (roots) => {
    await MathJax.startup.promise;
    await MathJax.typesetPromise(roots);
    const imgs = roots.flatMap((r) => [...r.querySelectorAll("img")]);
    await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
    await document.fonts.ready;
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  };
})();
