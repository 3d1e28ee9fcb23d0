/* Talkpage comment counts for list pages:
 *   <a href="/post/" data-talkpage-count>Comments</a>
 *   <script src="https://talkpage.example/static/talkpage/count.js"
 *           data-talkpage-site="KEY" async></script>
 * The page is the element's data-talkpage-url, else its href (relative to
 * this page). All counts come in one request per 100 pages. */
(() => {
  "use strict";
  const me = document.currentScript;
  if (!me) return;
  const BASE = new URL(me.src).origin;
  const site = me.dataset.talkpageSite;
  const asked = (me.dataset.talkpageLang || document.documentElement.lang ||
    navigator.language || "en").slice(0, 2).toLowerCase();
  const words = { en: ["comment", "comments"], de: ["Kommentar", "Kommentare"] };
  const lang = words[asked] ? asked : "en";
  const label = (n) => `${n.toLocaleString(lang)} ${words[lang][n === 1 ? 0 : 1]}`;

  const pageOf = (el) => {
    try {
      const url = new URL(el.dataset.talkpageUrl || el.getAttribute("href") ||
        location.href, location.href);
      url.hash = "";
      return url.href;
    } catch {
      return null;
    }
  };

  const run = () => {
    const pages = new Map();
    for (const el of document.querySelectorAll("[data-talkpage-count]")) {
      const page = pageOf(el);
      if (page) pages.set(page, [...(pages.get(page) || []), el]);
    }
    const urls = [...pages.keys()];
    for (let i = 0; i < urls.length; i += 100) {
      const query = new URLSearchParams({ site });
      for (const url of urls.slice(i, i + 100)) query.append("url", url);
      fetch(`${BASE}/api/v1/threads/counts?${query}`, { credentials: "omit" })
        .then((r) => (r.ok ? r.json() : { counts: {} }))
        .then(({ counts }) => {
          for (const [url, n] of Object.entries(counts)) {
            for (const el of pages.get(url) || []) el.textContent = label(n);
          }
        })
        .catch(() => {}); // the links keep their own text
    }
  };
  if (document.readyState === "loading") addEventListener("DOMContentLoaded", run);
  else run();
})();
