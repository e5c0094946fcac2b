// Small enhancements only; every page works without JavaScript.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  // The main menu (disclosure pattern): on narrow screens it folds behind the "Menu" button, and
  // each task group is a button that shows or hides its pages. Escape closes and gives focus back;
  // a click or focus elsewhere closes an open group. Without JavaScript everything is shown.
  const toggle = document.querySelector(".menu-toggle");
  const nav = document.getElementById("main-nav");
  if (toggle && nav) {
    const groups = Array.from(nav.querySelectorAll(".nav-group__toggle"));
    const listOf = (button) => document.getElementById(button.getAttribute("aria-controls"));
    const setOpen = (button, open) => {
      button.setAttribute("aria-expanded", String(open));
      listOf(button).classList.toggle("is-open", open);
    };
    const closeGroups = (except) => groups.forEach((b) => { if (b !== except) setOpen(b, false); });
    const setMenu = (open) => {
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("is-open", open);
      if (!open) closeGroups(null);
    };
    const folded = () => window.getComputedStyle(toggle).display !== "none";
    // Wide enough for the one-line menu? Which entries a person has, and the language, decide.
    const header = nav.parentElement;
    let wasFolded = null;
    const fit = () => {
      document.documentElement.classList.remove("nav-folded");
      if (!folded() && header.scrollWidth > header.clientWidth + 1) {
        document.documentElement.classList.add("nav-folded");
      }
      if (wasFolded !== null && wasFolded !== folded()) setMenu(false);
      wasFolded = folded();
    };
    let fitting = 0;
    window.addEventListener("resize", () => {
      window.cancelAnimationFrame(fitting);
      fitting = window.requestAnimationFrame(fit);
    });
    toggle.hidden = false;
    toggle.addEventListener("click", () => setMenu(toggle.getAttribute("aria-expanded") !== "true"));
    groups.forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => {
        const open = button.getAttribute("aria-expanded") !== "true";
        if (!folded()) closeGroups(button);
        setOpen(button, open);
      });
    });
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      const open = groups.find((b) => b.getAttribute("aria-expanded") === "true");
      if (open && (!folded() || nav.contains(document.activeElement))) {
        setOpen(open, false);
        open.focus();
      } else if (folded() && toggle.getAttribute("aria-expanded") === "true") {
        setMenu(false);
        toggle.focus();
      }
    });
    const outside = (event) => {
      if (nav.contains(event.target) || toggle.contains(event.target)) return;
      if (folded()) {
        if (event.type === "click") setMenu(false);
      } else {
        closeGroups(null);
      }
    };
    document.addEventListener("click", outside);
    document.addEventListener("focusin", outside);
    fit();
  }

  // Every table scrolls sideways inside its own labelled, focusable region (named after its
  // caption), so that a wide table never widens the page; without JavaScript .table-wrap scrolls.
  document.querySelectorAll("main table").forEach((table) => {
    if (table.parentElement.closest(".table-scroll")) return;
    let box = table.parentElement;
    if (!box.classList.contains("table-wrap") || box.querySelectorAll("table").length > 1) {
      box = document.createElement("div");
      table.before(box);
      box.append(table);
    }
    const caption = table.querySelector("caption");
    const heading = table.closest("section, article, main").querySelector("h1, h2, h3");
    const label = table.getAttribute("aria-label") || (caption && caption.textContent.trim())
      || (heading && heading.textContent.trim()) || document.title;
    box.classList.add("table-scroll");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", label.replace(/\s+/g, " "));
    box.tabIndex = 0;
  });

  // Submit a filter form as soon as a select marked data-autosubmit changes.
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
  // Ask before destructive actions marked data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});

// --- H4: copy a text field's value (e.g. the calendar address) with a button ---
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    const status = button.closest("section, form, div")?.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
      } catch (error) {
        field.select();  // the person copies it by hand
        document.execCommand?.("copy");
      }
      if (status) status.textContent = button.dataset.copiedText || "✓";
    });
  });
});

// --- Log-out: nothing of this person stays on the device (docs/attendance.md) ---
// The roll call keeps pages (Cache Storage), queued marks (IndexedDB) and a service worker; the
// server's log-out answer carries Clear-Site-Data too, and this clears them before it is sent.
document.addEventListener("DOMContentLoaded", () => {
  const clearDevice = async () => {
    const work = [];
    if (window.caches) {
      work.push(caches.keys().then((names) => Promise.all(
        names.filter((name) => name.startsWith("lms-")).map((name) => caches.delete(name)))));
    }
    if (window.indexedDB) {
      work.push(new Promise((resolve) => {
        const request = indexedDB.deleteDatabase("lms-offline");
        request.onsuccess = request.onerror = request.onblocked = () => resolve();
      }));
    }
    if (navigator.serviceWorker) {
      work.push(navigator.serviceWorker.getRegistrations().then((found) => Promise.all(found.map((r) => r.unregister()))));
    }
    await Promise.all(work);
  };
  document.querySelectorAll("form[data-logout]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.cleared) return;
      event.preventDefault();
      const go = () => { form.dataset.cleared = "true"; form.submit(); };
      Promise.race([clearDevice(), new Promise((resolve) => { setTimeout(resolve, 2000); })]).then(go, go);
    });
  });
});

// --- the course editor: an error's link selects its line in the text or quiz field ---
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("a[data-goto-line]").forEach((link) => {
    link.addEventListener("click", (event) => {
      const field = document.getElementById(link.hash.slice(1));
      if (!field || field.tagName !== "TEXTAREA") return;
      event.preventDefault();
      const lines = field.value.split("\n");
      const number = Math.min(Math.max(parseInt(link.dataset.gotoLine, 10), 1), lines.length);
      const start = lines.slice(0, number - 1).reduce((sum, line) => sum + line.length + 1, 0);
      field.focus();
      field.setSelectionRange(start, start + lines[number - 1].length);
      const height = field.scrollHeight / Math.max(lines.length, 1);
      field.scrollTop = Math.max(0, (number - 3) * height);
    });
  });
});

// --- the course editor: the preview follows the typing (rendered and sanitised by the server) ---
document.addEventListener("DOMContentLoaded", () => {
  const preview = document.getElementById("live-preview");
  const body = document.getElementById("body");
  if (!preview || !body || !body.form) return;
  let timer = null;
  let asked = 0;
  body.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const ask = ++asked;
      const data = new FormData();
      data.append("csrf_token", body.form.querySelector("[name=csrf_token]").value);
      data.append("body", body.value);
      try {
        const response = await fetch(preview.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin" });
        if (!response.ok || ask !== asked) return;
        preview.innerHTML = (await response.json()).html;
      } catch (error) {
        // offline or the server away: the preview catches up with the next keystroke or the save
      }
    }, 400);
  });
});
