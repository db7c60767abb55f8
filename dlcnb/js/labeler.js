const HELP = "click: place, then next bodypart · drag: move · right-click / Del: remove · ←/→: frame · " +
  "↑/↓: bodypart · I: individual · wheel or +/−: zoom · shift-drag: pan · 0: reset view · Ctrl+Z: undo · S: save";

const SAVE_DELAY = 500;  // ms after the last edit

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function render({ model, el: host }) {
  const root = el("div", "dlcnb-labeler");
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true"); // keep JupyterLab's notebook shortcuts out of the widget
  root.dataset.ready = "0";
  const bar = el("div", "dlcnb-bar");
  const prev = el("button", "dlcnb-prev", "◀"), next = el("button", "dlcnb-next", "▶");
  const frameLabel = el("span", "dlcnb-frame");
  const indSelect = el("select", "dlcnb-individual");
  const undoBtn = el("button", "dlcnb-undo", "Undo"), resetBtn = el("button", "dlcnb-reset", "Reset view");
  const saveBtn = el("button", "dlcnb-save", "Save");
  const state = el("span", "dlcnb-state"), status = el("span", "dlcnb-status");
  bar.append(prev, frameLabel, next, indSelect, undoBtn, resetBtn, saveBtn, state);
  const main = el("div", "dlcnb-main");
  const canvas = el("canvas", "dlcnb-canvas");
  const list = el("div", "dlcnb-bodyparts");
  main.append(canvas, list);
  // Messages go under the image: a status that appears or wraps must never move the canvas under the user's mouse.
  root.append(bar, main, status, el("div", "dlcnb-help", HELP));
  host.appendChild(root);

  const ctx = canvas.getContext("2d");
  let img = null, imgW = 0, imgH = 0, loadToken = 0, loading = false;
  let view = { zoom: 1, x0: 0, y0: 0 };  // zoom factor, image edge coordinate shown at the canvas' top-left
  let cur = { ind: 0, bp: 0 }, history = [], drag = null, pan = null, live = null;  // live: points while dragging

  const columns = () => model.get("columns");
  const individuals = () => [...new Set(columns().map(c => c[0]))];
  const individual = () => individuals()[cur.ind];
  const bodyparts = () => columns().filter(c => c[0] === individual()).map(c => c[1]);
  const bodypart = () => bodyparts()[cur.bp];
  const points = () => live || model.get("points");
  const displayW = () => model.get("display_width") || Math.min(imgW, 900);
  const displayH = () => imgH * displayW() / imgW;
  const scale = () => displayW() / imgW * view.zoom;  // CSS px per image px
  // File coordinates put pixel centres on integers (DeepLabCut/napari): pixel i spans [i - 0.5, i + 0.5].
  const toScreen = (x, y) => [(x + 0.5 - view.x0) * scale(), (y + 0.5 - view.y0) * scale()];
  const toImage = (sx, sy) => [sx / scale() + view.x0 - 0.5, sy / scale() + view.y0 - 0.5];
  const eventPos = e => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * displayW() / r.width, (e.clientY - r.top) * displayH() / r.height];
  };
  const radius = () => Math.max(3, model.get("dotsize") / 2);

  function hit(sx, sy) {
    let best = null, bestD = radius() + 4;
    for (const p of points()) {
      const [px, py] = toScreen(p[2], p[3]);
      const d = Math.hypot(px - sx, py - sy) - (p[0] === individual() ? 1 : 0);
      if (d < bestD) { best = p; bestD = d; }
    }
    return best;
  }

  function draw() {
    if (!img) return;
    const dpr = window.devicePixelRatio || 1, W = displayW(), H = displayH();
    canvas.style.width = W + "px"; canvas.style.height = H + "px";
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    const s = scale();
    ctx.setTransform(dpr * s, 0, 0, dpr * s, -view.x0 * dpr * s, -view.y0 * dpr * s);
    ctx.imageSmoothingEnabled = view.zoom < 3;
    ctx.drawImage(img, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const byKey = new Map(points().map(p => [p[0] + "\u0000" + p[1], p]));
    ctx.lineWidth = 2; ctx.strokeStyle = model.get("skeleton_color");
    for (const ind of individuals()) for (const [a, b] of model.get("skeleton")) {
      const pa = byKey.get(ind + "\u0000" + a), pb = byKey.get(ind + "\u0000" + b);
      if (!pa || !pb) continue;
      ctx.beginPath(); ctx.moveTo(...toScreen(pa[2], pa[3])); ctx.lineTo(...toScreen(pb[2], pb[3])); ctx.stroke();
    }
    for (const p of points()) {
      const [sx, sy] = toScreen(p[2], p[3]);
      const mine = p[0] === individual(), current = mine && p[1] === bodypart();
      ctx.beginPath(); ctx.arc(sx, sy, radius(), 0, 2 * Math.PI);
      ctx.globalAlpha = mine ? model.get("alpha") : 0.35;
      ctx.fillStyle = model.get("colors")[p[1]]; ctx.fill();
      ctx.globalAlpha = 1; ctx.lineWidth = current ? 3 : 1; ctx.strokeStyle = current ? "white" : "black"; ctx.stroke();
    }
    root.dataset.npoints = String(points().length);
    root.dataset.zoom = String(view.zoom);
    root.dataset.scale = String(s);
  }

  function updateBar() {
    const frames = model.get("frames"), i = model.get("frame_index");
    frameLabel.textContent = `${i + 1} / ${frames.length} · ${frames[i] || ""}`;
    frameLabel.title = frameLabel.textContent;  // in full, when a long name is cut short
    prev.disabled = i <= 0; next.disabled = i >= frames.length - 1;
    const inds = individuals();
    indSelect.style.display = inds.length > 1 ? "" : "none";
    if (indSelect.options.length !== inds.length) {
      indSelect.replaceChildren(...inds.map((n, k) => {
        const o = el("option", "", n);
        o.value = String(k);
        return o;
      }));
    }
    indSelect.value = String(cur.ind);
    status.textContent = model.get("status");
    state.textContent = model.get("save_state");
    root.dataset.state = state.dataset.state = model.get("save_state");
  }

  function updateList() {
    const done = new Set(points().filter(p => p[0] === individual()).map(p => p[1]));
    list.replaceChildren(...bodyparts().map((bp, k) => {
      const item = el("div", "dlcnb-bp" + (k === cur.bp ? " current" : ""));
      const dot = el("span", "dlcnb-dot"); dot.style.background = model.get("colors")[bp];
      item.append(dot, el("span", "", bp), el("span", "dlcnb-done", done.has(bp) ? "✓" : ""));
      item.dataset.bodypart = bp;
      item.onclick = () => { cur.bp = k; refresh(); };
      return item;
    }));
    root.dataset.individual = individual();
    root.dataset.bodypart = bodypart() || "";
  }

  function refresh() { updateBar(); updateList(); draw(); }

  let saveTimer = null;  // every change is saved within SAVE_DELAY ms of the last one
  const save = () => { clearTimeout(saveTimer); saveTimer = null; model.send({ type: "save" }); };
  const flush = () => { if (saveTimer) save(); };
  function commit(pts) {  // a message, not a state sync, so it reaches the kernel in order with "goto" and "save"
    model.set("points", pts);
    model.send({ type: "points", frame: model.get("frame_index"), points: pts });
    clearTimeout(saveTimer); saveTimer = setTimeout(save, SAVE_DELAY);
    refresh();
  }
  const remember = () => { history.push(points().map(p => p.slice())); };
  const others = (ind, bp) => points().filter(p => !(p[0] === ind && p[1] === bp));

  function place(x, y) {
    remember();
    commit([...others(individual(), bodypart()), [individual(), bodypart(), x, y]]);
    cur.bp = Math.min(cur.bp + 1, bodyparts().length - 1);
    refresh();
  }
  function remove(p) {
    if (!p) return;
    remember();
    commit(others(p[0], p[1]));
  }
  function undo() {
    if (history.length) commit(history.pop());
  }
  function goto(i) {
    const n = model.get("frames").length;
    if (loading || i < 0 || i >= n || i === model.get("frame_index")) return;
    loading = true; root.dataset.ready = "0";
    clearTimeout(saveTimer); saveTimer = null;  // "goto" saves first
    model.send({ type: "goto", index: i });
  }
  function zoomAt(sx, sy, factor) {
    const [x, y] = toImage(sx, sy);
    view.zoom = Math.min(40, Math.max(1, view.zoom * factor));
    view.x0 = x + 0.5 - sx / scale(); view.y0 = y + 0.5 - sy / scale();
    if (view.zoom === 1) view = { zoom: 1, x0: 0, y0: 0 };
    draw();
  }
  function selectIndividual(k) { cur = { ind: k, bp: 0 }; refresh(); }

  canvas.addEventListener("mousedown", e => {
    root.focus();
    if (!img || loading) return;
    const [sx, sy] = eventPos(e);
    if (e.button === 1 || (e.button === 0 && e.shiftKey)) {
      pan = { sx, sy, x0: view.x0, y0: view.y0 };
      e.preventDefault();
      return;
    }
    if (e.button !== 0) return;
    const p = hit(sx, sy);
    if (p) {
      cur.ind = individuals().indexOf(p[0]); cur.bp = bodyparts().indexOf(p[1]);
      const before = points().map(q => q.slice());
      live = points().map(q => q.slice());
      drag = { p: live.find(q => q[0] === p[0] && q[1] === p[1]), before, moved: false };
      refresh();
    } else place(...toImage(sx, sy));
  });
  const onMove = e => {
    if (!drag && !pan) return;
    const [sx, sy] = eventPos(e);
    if (pan) { view.x0 = pan.x0 - (sx - pan.sx) / scale(); view.y0 = pan.y0 - (sy - pan.sy) / scale(); draw(); return; }
    const [x, y] = toImage(sx, sy);
    drag.p[2] = x; drag.p[3] = y; drag.moved = true;
    draw();
  };
  const onUp = () => {
    const moved = live;
    live = null;
    if (drag && drag.moved) { history.push(drag.before); commit(moved); }
    else if (drag) refresh();
    drag = null; pan = null;
  };
  window.addEventListener("mousemove", onMove);
  window.addEventListener("mouseup", onUp);
  canvas.addEventListener("contextmenu", e => {
    e.preventDefault(); e.stopPropagation();
    remove(hit(...eventPos(e)));
  });
  canvas.addEventListener("wheel", e => {
    e.preventDefault();
    zoomAt(...eventPos(e), e.deltaY < 0 ? 1.25 : 0.8);
  }, { passive: false });
  root.addEventListener("keydown", e => {
    if (e.target === indSelect) return;
    const k = e.key, i = model.get("frame_index"), nbp = bodyparts().length;
    const actions = {
      ArrowRight: () => goto(i + 1), ArrowLeft: () => goto(i - 1), n: () => goto(i + 1), p: () => goto(i - 1),
      ArrowDown: () => { cur.bp = (cur.bp + 1) % nbp; refresh(); },
      ArrowUp: () => { cur.bp = (cur.bp + nbp - 1) % nbp; refresh(); },
      Delete: () => remove(points().find(q => q[0] === individual() && q[1] === bodypart())),
      i: () => selectIndividual((cur.ind + 1) % individuals().length),
      "+": () => zoomAt(displayW() / 2, displayH() / 2, 1.25), "=": () => zoomAt(displayW() / 2, displayH() / 2, 1.25),
      "-": () => zoomAt(displayW() / 2, displayH() / 2, 0.8), "0": () => { view = { zoom: 1, x0: 0, y0: 0 }; draw(); },
      u: undo, s: save,
    };
    actions.Backspace = actions.Delete;
    let act = actions[k];
    if ((e.ctrlKey || e.metaKey) && (k === "z" || k === "s")) act = k === "z" ? undo : actions.s;
    else if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (!act) return;
    e.preventDefault(); e.stopPropagation();
    act();
  });
  prev.onclick = () => goto(model.get("frame_index") - 1);
  next.onclick = () => goto(model.get("frame_index") + 1);
  undoBtn.onclick = undo;
  resetBtn.onclick = () => { view = { zoom: 1, x0: 0, y0: 0 }; draw(); };
  saveBtn.onclick = save;
  window.addEventListener("beforeunload", flush);
  indSelect.onchange = () => selectIndividual(Number(indSelect.value));

  async function loadImage() {
    const token = ++loadToken;
    const bytes = model.get("image");
    if (!bytes || !bytes.byteLength) return;
    const bitmap = await createImageBitmap(new Blob([bytes], { type: model.get("image_type") }));
    if (token !== loadToken) return;
    img = bitmap; imgW = bitmap.width; imgH = bitmap.height;
    history = []; loading = false;
    const done = new Set(points().filter(p => p[0] === individual()).map(p => p[1]));
    cur.bp = Math.max(0, bodyparts().findIndex(bp => !done.has(bp)));  // start at the first unlabeled bodypart
    refresh();
    root.dataset.frame = String(model.get("frame_index"));
    root.dataset.ready = "1";
  }
  const onFrame = () => { loadImage(); };
  const onChange = () => refresh();
  // a reply from the kernel: a failed "goto" must not lock the widget
  const onStatus = () => { loading = false; refresh(); };
  model.on("change:image", onFrame);
  model.on("change:frame_index", onFrame);
  for (const name of ["points", "display_width", "columns", "save_state"]) model.on("change:" + name, onChange);
  model.on("change:status", onStatus);
  loadImage();
  return () => {
    flush(); window.removeEventListener("beforeunload", flush);
    window.removeEventListener("mousemove", onMove); window.removeEventListener("mouseup", onUp);
    model.off("change:image", onFrame); model.off("change:frame_index", onFrame);
    for (const name of ["points", "display_width", "columns", "save_state"]) model.off("change:" + name, onChange);
    model.off("change:status", onStatus);
  };
}

export default { render };
