// jirabridge console enhancements. Every page works without this file; it only adds
// copy buttons, confirmations before destructive actions, and "add another filter row".
(function () {
  "use strict";

  function addCopyButtons() {
    document.querySelectorAll(".copy input").forEach(function (input) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = "Copy";
      button.addEventListener("click", function () {
        input.select();
        var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
        } else {
          document.execCommand("copy");
          done();
        }
      });
      input.parentNode.appendChild(button);
    });
  }

  function confirmDestructive() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  function addFilterRows() {
    var table = document.querySelector("table.filters-table tbody");
    var button = document.getElementById("add-filter-row");
    if (!table || !button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = table.querySelectorAll("tr");
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (i) { i.value = ""; i.removeAttribute("aria-invalid"); });
      copy.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
      table.appendChild(copy);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addCopyButtons();
    confirmDestructive();
    addFilterRows();
  });
})();
