// Guard against double submission and ask for confirmation where a button says so.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  var form = event.target;
  if (form.dataset.submitted === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  form.querySelectorAll("button[data-once], button[type=submit]").forEach(function (b) {
    b.setAttribute("aria-disabled", "true");
    b.classList.add("disabled");
  });
});
// Pages restored from the back/forward cache get working buttons again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitted]").forEach(function (form) {
    delete form.dataset.submitted;
    form.querySelectorAll("button.disabled").forEach(function (b) { b.classList.remove("disabled"); b.removeAttribute("aria-disabled"); });
  });
});
// Fields that only matter for one choice of a radio group (data-shown-when="method=manual") are
// hidden while another choice is ticked; without JavaScript every field shows.
function syncShownWhen() {
  document.querySelectorAll("[data-shown-when]").forEach(function (el) {
    var parts = el.dataset.shownWhen.split("=");
    var form = el.form || el.closest("form");
    if (!form) return;
    var checked = form.querySelector('input[name="' + parts[0] + '"]:checked');
    var wrapper = el.closest("fieldset.mb-3, div.mb-3, div.form-check") || el;
    wrapper.hidden = !!checked && checked.value !== parts[1];
  });
}
document.addEventListener("change", syncShownWhen);
syncShownWhen();
