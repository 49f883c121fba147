/// The stylesheet and scripts inlined in every page (no external request of any kind).
enum PageAssets {
    static let css = """
        :root { color-scheme: light; --ink: #1a1a1a; --muted: #5c5c5c; --rule: #c8c8c8; --stripe: #f4f4f4; --accent: #0072b2; --warn: #a0522d; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 "DejaVu Sans", system-ui, sans-serif; color: var(--ink); background: #fff; margin: 0 auto; padding: 16px 24px 48px; max-width: 1320px; }
        h1 { font-size: 22px; margin: 8px 0 4px; overflow-wrap: anywhere; }
        h2 { font-size: 18px; margin: 32px 0 8px; padding-top: 8px; border-top: 1px solid var(--rule); }
        h3 { font-size: 15px; margin: 20px 0 6px; }
        a { color: var(--accent); }
        nav.toc { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 12px 0; font-size: 13px; }
        dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; font-size: 13px; }
        dl.meta dt { color: var(--muted); }
        dl.meta dd { margin: 0; overflow-wrap: anywhere; font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
        p.note { color: var(--muted); font-size: 13px; max-width: 980px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
        th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: left; vertical-align: top; }
        thead th { border-bottom: 2px solid var(--ink); background: #fff; }
        tbody tr:nth-child(even) { background: var(--stripe); }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.wrap { overflow-wrap: anywhere; max-width: 420px; }
        tbody th[scope="row"] { max-width: 280px; }
        .ci { color: var(--muted); font-size: 11.5px; }
        .none { color: var(--muted); font-style: italic; }
        .flag { color: var(--warn); font-weight: bold; }
        .status { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
        .status-bad { color: var(--warn); }
        .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border: 1px solid #333; vertical-align: baseline; }
        button.sort { font: inherit; font-weight: bold; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; text-align: inherit; }
        th[aria-sort="ascending"] button.sort::after { content: " \\25B2"; font-size: 10px; }
        th[aria-sort="descending"] button.sort::after { content: " \\25BC"; font-size: 10px; }
        figure { margin: 16px 0; }
        svg.chart { display: block; max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
        .thumbs { display: flex; flex-wrap: wrap; gap: 6px; }
        .thumbs img { width: 112px; height: 112px; image-rendering: auto; border: 1px solid var(--rule); }
        .banner { background: #b3261e; color: #fff; font-weight: bold; padding: 8px 14px; margin: 8px 0; border-radius: 4px; }
        .banner p { margin: 2px 0; }
        footer p.provenance { font-family: "DejaVu Sans Mono", monospace; font-size: 11px; margin: 6px 0 0; }
        footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); padding-top: 8px; overflow-wrap: anywhere; }
        """

    /// Runs first: records any script error on `<html data-js-error="…">`, which the browser check
    /// looks for.
    static let errorHook = """
        window.addEventListener("error", function (event) {
          document.documentElement.setAttribute("data-js-error", String(event.message || event.type));
        });
        """

    /// Makes `table.sortable` tables sortable by clicking a header (cells sort by `data-value`,
    /// numerically for `th[data-type=number]`, empty values last), then marks the page ready
    /// (`<body data-ready="ok">`). Without JavaScript the tables keep their written order.
    static let script = """
        (function () {
          "use strict";
          function key(cell, numeric) {
            var raw = cell.getAttribute("data-value");
            if (raw === null) { raw = cell.textContent.trim(); }
            if (numeric) { var number = parseFloat(raw); return isNaN(number) ? null : number; }
            return raw.toLowerCase();
          }
          function sort(table, column, numeric, header) {
            var ascending = header.getAttribute("aria-sort") !== "ascending";
            var body = table.tBodies[0];
            var entries = Array.prototype.map.call(body.rows, function (row, index) {
              return { row: row, index: index, key: key(row.cells[column], numeric) };
            });
            entries.sort(function (a, b) {
              if (a.key === null || b.key === null) {
                if (a.key === b.key) { return a.index - b.index; }
                return a.key === null ? 1 : -1;
              }
              if (a.key < b.key) { return ascending ? -1 : 1; }
              if (a.key > b.key) { return ascending ? 1 : -1; }
              return a.index - b.index;
            });
            Array.prototype.forEach.call(header.parentNode.cells, function (cell) { cell.removeAttribute("aria-sort"); });
            header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
            entries.forEach(function (entry) { body.appendChild(entry.row); });
          }
          Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
            var headers = table.tHead.rows[0].cells;
            Array.prototype.forEach.call(headers, function (header, column) {
              var button = document.createElement("button");
              button.type = "button";
              button.className = "sort";
              button.title = "Sort by this column";
              while (header.firstChild) { button.appendChild(header.firstChild); }
              header.appendChild(button);
              var numeric = header.getAttribute("data-type") === "number";
              button.addEventListener("click", function () { sort(table, column, numeric, header); });
            });
          });
          document.body.setAttribute("data-ready", "ok");
        })();
        """
}
