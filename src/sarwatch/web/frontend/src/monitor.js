// The Monitor tab: the statistics monitors quote (GET /api/stats), each with its source
// and date, drawn with Chart.js (bundled from npm, nothing from a CDN). The same charts as
// `sarwatch stats --chart`: a bar per year for the quoted figure, a marker per other
// source where sources differ, a hatched outline for a figure its source flags "do not
// use", "n/a" where no source gives a figure. Colours follow the page's day/night palette.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { api, esc } from "./common.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

const $ = (sel) => document.querySelector(sel);
const POINT_STYLES = ["rectRot", "triangle", "rect", "crossRot", "star"];
const fmt = (v) => (v === null || v === undefined ? "n/a" : Number(v).toLocaleString("en-GB"));

/** The page's palette (CSS variables of style.css; night mode switches them). */
function palette() {
  const css = getComputedStyle(document.body);
  const v = (name) => css.getPropertyValue(name).trim();
  return {
    fg: v("--fg"),
    muted: v("--muted"),
    grid: v("--border"),
    bar: v("--accent"),
    flagged: v("--danger"),
    markers: [v("--case"), v("--ok"), v("--cloud"), v("--warn"), v("--zone24")],
  };
}

/** Chart.js data for one series: the quoted bars, flagged outlines, other sources' points. */
export function seriesDatasets(rows, sourceIds, pal) {
  const quoted = rows.map((r) => r.value);
  const flagged = rows.map((r) => {
    const f = r.figures.find((x) => !x.usable);
    return r.value === null && f ? f.value : null;
  });
  const datasets = [
    { type: "bar", label: "quoted figure", data: quoted, backgroundColor: pal.bar, order: 2 },
  ];
  if (flagged.some((v) => v !== null)) {
    datasets.push({
      type: "bar",
      label: "flagged: do not use",
      data: flagged,
      backgroundColor: "transparent",
      borderColor: pal.flagged,
      borderWidth: 2,
      borderDash: [4, 3],
      order: 2,
      grouped: false,
    });
  }
  sourceIds.forEach((sid, k) => {
    const data = rows.map((r) => {
      const f = r.figures.find((x) => x.usable && x.source === sid && (x.source !== r.source || x.value !== r.value));
      return f ? f.value : null;
    });
    if (data.every((v) => v === null)) return;
    datasets.push({
      type: "line",
      label: sid,
      data,
      showLine: false,
      pointStyle: POINT_STYLES[k % POINT_STYLES.length],
      pointRadius: 6,
      pointBackgroundColor: pal.markers[k % pal.markers.length],
      pointBorderColor: pal.markers[k % pal.markers.length],
      order: 1,
    });
  });
  return datasets;
}

function notesFor(rows) {
  const lines = [];
  for (const r of rows) {
    if (!["sources differ", "flagged", "preliminary"].includes(r.status)) continue;
    const figures = r.figures
      .map((f) => `${fmt(f.value)} (${esc(f.source)}, ${esc(f.as_of || "date not stated")}${f.usable ? "" : ", <b>do not use</b>"})`)
      .join(", ");
    const flag = r.figures.find((f) => f.flag)?.flag;
    lines.push(`<li data-year="${r.year}"><b>${r.year}</b> ${esc(r.status)}: ${figures}${flag ? ` — ${esc(flag)}` : ""}</li>`);
  }
  return lines.length ? `<ul class="sw-notes">${lines.join("")}</ul>` : "";
}

export function createMonitor(ctx) {
  const el = $("#monitor-charts");
  const form = $("#monitor-form");
  const charts = [];
  let last = null;

  const draw = () => {
    for (const c of charts.splice(0)) c.destroy();
    if (!last) return;
    const pal = palette();
    const sourceIds = Object.keys(last.sources);
    el.innerHTML = "";
    for (const s of last.series) {
      const rows = last.rows.filter((r) => r.series === s.id);
      const box = document.createElement("figure");
      box.className = "sw-chart";
      box.dataset.series = s.id;
      box.innerHTML = `<figcaption>${esc(s.label)} (${esc(s.unit)})</figcaption><div class="sw-chart-canvas"><canvas></canvas></div>${notesFor(rows)}`;
      el.append(box);
      const labels = rows.map((r) => (r.month ? `${r.year}-${String(r.month).padStart(2, "0")}` : String(r.year)));
      const chart = new Chart(box.querySelector("canvas"), {
        data: { labels, datasets: seriesDatasets(rows, sourceIds, pal) },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          color: pal.fg,
          scales: {
            x: { stacked: false, ticks: { color: pal.fg }, grid: { display: false } },
            y: { beginAtZero: true, ticks: { color: pal.fg, callback: (v) => fmt(v) }, grid: { color: pal.grid } },
          },
          plugins: {
            legend: { labels: { color: pal.fg, usePointStyle: true, boxWidth: 10 } },
            tooltip: {
              callbacks: {
                label: (item) => `${item.dataset.label}: ${fmt(item.raw)}`,
                afterBody: (items) => {
                  const r = rows[items[0].dataIndex];
                  return r.figures.map((f) => `${f.source}: ${fmt(f.value)} (${f.as_of || "date not stated"})${f.usable ? "" : " DO NOT USE"}`);
                },
              },
            },
          },
        },
      });
      charts.push(chart);
    }
    const sources = Object.values(last.sources)
      .map((s) => `<li><b>${esc(s.id)}</b>: ${esc(s.name)}; ${esc(s.publisher)}; ${s.as_of ? `as of ${esc(s.as_of)}` : "date not stated"}${s.via ? `<br><span class="sw-muted">${esc(s.via)}</span>` : ""}</li>`)
      .join("");
    const src = document.createElement("div");
    src.className = "sw-sources";
    src.innerHTML = `<h4>Sources</h4><ul>${sources}</ul>`;
    el.append(src);
  };

  const load = async () => {
    const from = Number(form.elements.from.value);
    const to = Number(form.elements.to.value);
    const by = form.elements.by.value === "month" ? "month" : "year";
    el.dataset.state = "loading";
    try {
      last = await api(`/api/stats?from=${from}&to=${to}&by=${by}`, { auth: false });
      draw();
      const q = `from=${from}&to=${to}&by=${by}`;
      const night = document.body.classList.contains("night") ? "night" : "print";
      $("#monitor-downloads").innerHTML =
        `Charts for print or e-mail: <a href="/api/stats/chart?${q}&format=svg&palette=${night}" download="sarwatch-stats-${from}-${to}.svg">SVG</a> · ` +
        `<a href="/api/stats/chart?${q}&format=png&palette=${night}" download="sarwatch-stats-${from}-${to}.png">PNG</a>`;
      el.dataset.state = "done";
    } catch (err) {
      last = null;
      for (const c of charts.splice(0)) c.destroy();
      el.innerHTML = `<p class="sw-error">${esc(ctx.errorText(err))}</p>`;
      el.dataset.state = "error";
    }
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    load();
  });
  // Night mode switches the page's palette: redraw in it.
  new MutationObserver(() => {
    if (last) draw();
  }).observe(document.body, { attributes: true, attributeFilter: ["class"] });

  return {
    charts,
    show: () => {
      if (!last && el.dataset.state !== "loading") load();
    },
  };
}
