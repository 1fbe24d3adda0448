// Batch actions on a list (annual reports, Art. 19): a "select all" box in the table's header.
// Progressive enhancement: the box is rendered hidden and shown here; without JavaScript each row
// is still ticked by hand. The box is checked when every row is, half-checked when some are.
(function () {
  document.querySelectorAll("input[data-batch-all]").forEach(function (all) {
    var form = all.form || all.closest("form");
    if (!form) return;
    var boxes = function () {
      return Array.prototype.slice.call(form.querySelectorAll('input[type=checkbox][name="ids"]:not(:disabled)'));
    };
    var sync = function () {
      var rows = boxes();
      var ticked = rows.filter(function (box) { return box.checked; }).length;
      all.checked = rows.length > 0 && ticked === rows.length;
      all.indeterminate = ticked > 0 && ticked < rows.length;
    };
    if (!boxes().length) return;
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      all.indeterminate = false;
    });
    form.addEventListener("change", function (event) {
      if (event.target !== all && event.target.name === "ids") sync();
    });
    sync();  // boxes the browser restored when the user came back to the page
  });
})();
