/* The hierarchy viewer: reads the JSON block #hierarchy-data, draws it with Cytoscape.js
   (preset positions from the server's layered layout), and wires filters, focus and details.
   Shared by the served page (/hierarchy) and the exported self-contained HTML file. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("hierarchy-data").textContent);
  var many = data.elements.nodes.length > 300;
  var state = { relations: {}, cited: true, implied: data.showImplied, focus: data.focus || null,
    depth: data.depth || 1 };
  data.relations.forEach(function (r) { state.relations[r.id] = true; });

  function edgeStyle(rel, color, style, width) {
    return { selector: "edge.rel-" + rel, style: { "line-color": color, "target-arrow-color": color,
      "line-style": style, "width": width } };
  }
  var colors = {};
  data.relations.forEach(function (r) { colors[r.id] = r.color; });

  var cy = cytoscape({
    container: document.getElementById("cy"),
    elements: data.elements,
    layout: { name: "preset" },
    minZoom: 0.05, maxZoom: 5,
    textureOnViewport: many, hideEdgesOnViewport: many, pixelRatio: many ? 1 : "auto",
    style: [
      { selector: "node.doc", style: { "width": 14, "height": 14, "background-color": "data(color)",
        "border-width": 1, "border-color": "#222", "label": "data(label)", "font-size": 9,
        "text-valign": "bottom", "text-margin-y": 3, "min-zoomed-font-size": many ? 14 : 7, "color": "#222",
        "text-background-color": "#fff", "text-background-opacity": 0.6, "z-index": 10 } },
      { selector: "node.doc[level = 'central'], node.doc[level = 'state']", style: { "font-size": 11,
        "min-zoomed-font-size": 5, "font-weight": "bold" } },
      { selector: "node.cited", style: { "background-color": "#fff", "border-style": "dashed",
        "border-width": 2, "border-color": "data(color)", "color": "#555" } },
      { selector: "node.band", style: { "shape": "rectangle", "width": "data(w)", "height": "data(h)",
        "background-color": "data(fill)", "border-width": 0, "label": "data(label)", "font-size": 15,
        "font-weight": "bold", "color": "data(color)", "text-valign": "center", "text-halign": "left",
        "text-margin-x": 135, "events": "no", "z-index": 0, "z-index-compare": "manual" } },
      { selector: "node.tick", style: { "width": 1, "height": 1, "background-opacity": 0, "label": "data(label)",
        "font-size": 11, "color": "#5d6678", "events": "no" } },
      { selector: "edge", style: { "curve-style": many ? "straight" : "bezier", "target-arrow-shape": "triangle",
        "arrow-scale": 0.8, "width": 1.2, "opacity": 0.85, "z-index": 5 } },
      edgeStyle("implements", colors.implements, "solid", 2),
      edgeStyle("implements_partly", colors.implements_partly, "dashed", 1.6),
      edgeStyle("based_on", colors.based_on, "solid", 1.5),
      edgeStyle("cites", colors.cites, "dotted", 0.8),
      { selector: "node.doc:selected", style: { "border-width": 4, "border-color": "#ffb000", "border-style": "solid" } },
      { selector: ".hidden", style: { "display": "none" } },
      { selector: "node.root", style: { "width": 22, "height": 22, "font-size": 11, "font-weight": "bold" } }
    ]
  });
  window.hierarchyView = cy;  // for the browser tests and the curious

  // --- relation filter ------------------------------------------------------------------
  var box = document.getElementById("hv-relations");
  data.relations.forEach(function (r) {
    var label = document.createElement("label");
    var input = document.createElement("input");
    input.type = "checkbox"; input.checked = true; input.value = r.id; input.id = "hv-rel-" + r.id;
    input.addEventListener("change", function () { state.relations[r.id] = input.checked; apply(); });
    var swatch = document.createElement("span");
    swatch.className = "swatch " + r.id; swatch.style.borderTopColor = r.color;
    label.appendChild(input); label.appendChild(swatch); label.appendChild(document.createTextNode(r.label));
    box.appendChild(label);
  });
  document.getElementById("hv-cited").addEventListener("change", function (e) { state.cited = e.target.checked; apply(); });
  var implied = document.getElementById("hv-implied");
  implied.checked = state.implied;
  implied.addEventListener("change", function (e) { state.implied = e.target.checked; apply(); });
  document.getElementById("hv-fit").addEventListener("click", function () {
    state.focus = null; apply(); fit();
  });

  function shown(rel) { return rel.filter(function (r) { return state.relations[r]; }); }

  function focusSet(root, depth) {
    var keep = root.union(root);
    var down = root, up = root;
    for (var i = 0; i < depth; i++) {
      down = down.incomers("edge").filter(visibleEdge).sources();
      up = up.outgoers("edge").filter(visibleEdge).targets();
      keep = keep.union(down).union(up);
    }
    return keep;
  }
  function visibleEdge(e) { return shown(e.data("relations")).length > 0 && (state.implied || !e.data("implied")); }

  function apply() {
    cy.batch(function () {
      cy.edges().forEach(function (e) {
        var rels = shown(e.data("relations"));
        e.classes(rels.length && visibleEdge(e) ? "rel-" + rels[0] : "hidden");
      });
      var root = state.focus ? cy.getElementById(state.focus) : null;
      var keep = root && root.nonempty() ? focusSet(root, state.depth) : null;
      cy.nodes(".doc").forEach(function (n) {
        var linked = n.connectedEdges().filter(visibleEdge).nonempty();
        var ok = (n.data("ingested") || (state.cited && linked)) && (!keep || keep.contains(n));
        n.toggleClass("hidden", !ok);
        n.toggleClass("root", !!root && n.same(root));
      });
      cy.edges().forEach(function (e) {
        if (e.source().hasClass("hidden") || e.target().hasClass("hidden")) e.addClass("hidden");
      });
    });
    var docs = cy.nodes(".doc").not(".hidden"), links = cy.edges().not(".hidden");
    document.getElementById("hv-count").textContent = docs.length + " văn bản, " + links.length + " quan hệ";
  }
  function fit() {
    var docs = cy.nodes(".doc").not(".hidden");
    cy.fit(state.focus ? docs : docs.union(cy.nodes(".band")), 30);
    if (cy.zoom() > 2) { cy.zoom(2); cy.center(docs); }
  }

  // --- details panel ----------------------------------------------------------------------
  var details = document.getElementById("hv-details");
  function el(tag, text, cls) {
    var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e;
  }
  function button(text, handler, cls) {
    var b = el("button", text, cls); b.type = "button"; b.addEventListener("click", handler); return b;
  }
  function show(n) {
    var d = n.data();
    details.innerHTML = "";
    details.appendChild(el("h2", (d.doc_type ? d.doc_type + " " : "") + (d.number || d.key)));
    if (d.title) details.appendChild(el("p", d.title));
    var dl = el("dl");
    [["Ngày", d.date || "không rõ"], ["Cơ quan", d.issuer || "không rõ"], ["Cấp", d.levelLabel],
     ["Khóa", d.key], ["Nguồn", d.ingested ? "đã nạp" + (d.source ? " (" + d.source.split("/").pop() + ")" : "")
       : "chỉ biết qua trích dẫn"]].forEach(function (row) {
      dl.appendChild(el("dt", row[0])); dl.appendChild(el("dd", row[1]));
    });
    details.appendChild(dl);
    var link = el("a", "Mở trang văn bản →"); link.href = d.url; link.id = "hv-open";
    details.appendChild(link);
    var actions = el("div", null, "actions");
    actions.appendChild(button("Tập trung", function () { state.focus = d.id; state.depth = 1; apply(); fit(); }));
    actions.appendChild(button("Mở rộng thêm một cấp", function () {
      if (state.focus !== d.id) { state.focus = d.id; state.depth = 1; } else { state.depth += 1; }
      apply(); fit();
    }, "secondary"));
    if (state.focus) actions.appendChild(button("Bỏ tập trung", function () { state.focus = null; apply(); fit(); }, "secondary"));
    details.appendChild(actions);
    var rows = data.responses[d.id];
    if (rows && rows.length) {
      details.appendChild(el("h2", "Các cấp ủy thực hiện"));
      var list = el("ul", null, "hv-answers"), parent = null;
      rows.forEach(function (r) {
        if (r.parent_label !== parent) { parent = r.parent_label; list.appendChild(el("h3", "Trực thuộc " + parent)); }
        var li = el("li", r.label + (r.answered ? ": " : ": chưa có văn bản"), r.answered ? "yes" : "no");
        r.documents.forEach(function (doc, i) {
          var a = el("a", doc.label); a.href = doc.url; li.appendChild(a);
          if (i < r.documents.length - 1) li.appendChild(document.createTextNode(", "));
        });
        list.appendChild(li);
      });
      details.appendChild(list);
    }
  }
  cy.on("tap", "node.doc", function (evt) { show(evt.target); });

  // --- find by number -------------------------------------------------------------------------
  document.getElementById("hv-find").addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    var q = e.target.value.trim().toLowerCase();
    if (!q) return;
    var hit = cy.nodes(".doc").filter(function (n) {
      return (n.data("label") || "").toLowerCase().indexOf(q) >= 0 || (n.data("key") || "").toLowerCase().indexOf(q) >= 0;
    }).first();
    if (hit.nonempty()) {
      cy.elements().unselect(); hit.select(); show(hit);
      cy.animate({ center: { eles: hit }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 250 });
    }
  });

  apply();
  fit();
  if (state.focus) { var r = cy.getElementById(state.focus); if (r.nonempty()) { r.select(); show(r); } }
})();
