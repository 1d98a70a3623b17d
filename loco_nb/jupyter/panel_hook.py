"""A small script that gives the panel's text area Enter to send and keeps the chat scrolled.

Stock ipywidgets send no key events to the kernel, so the script runs in the
browser: it is the ``application/javascript`` output of a hidden Output
widget inside the panel, and JupyterLab runs such outputs when the notebook
is trusted (outputs made in the running session are). Where it does not run,
the Send button still works and Enter adds a line.

The script does not click Send. ipywidgets holds back a model's state update
while an earlier message of that model awaits the kernel, but sends a click
at once, so a click can reach the kernel before the last keystrokes. Enter
and a click on Send append :data:`SUBMIT_MARK` to the text area's value
instead, which travels in order with the text. The panel sends the text when
the value arrives ending with the mark.
"""

from __future__ import annotations

import ipywidgets as widgets

SUBMIT_MARK = "\x04"
"""End of Transmission, a control character that typing does not produce, marks text to send."""

_SCRIPT = """
(function () {
  var id = "%(id)s";
  var mark = "\\u0004";
  function submit(area) {
    area.value = area.value + mark;
    area.dispatchEvent(new Event("input", {bubbles: true}));
  }
  function sendButton(area) {
    var panel = area.closest(".loco-panel-" + id) || document;
    return panel.querySelector(".loco-send-" + id);
  }
  function wireInput(area) {
    if (area.dataset.locoWired) { return; }
    area.dataset.locoWired = "1";
    // Shortcut handlers must not see these keys; JupyterLab runs the cell on Shift+Enter.
    area.setAttribute("data-lm-suppress-shortcuts", "true");
    area.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) { return; }
      event.stopPropagation();
      if (event.shiftKey) { return; }
      event.preventDefault();
      var send = sendButton(area);
      if (send && !send.disabled) { submit(area); }
    });
    var send = sendButton(area);
    if (send) {
      send.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopImmediatePropagation();
        if (!send.disabled) { submit(area); }
      }, true);
    }
  }
  function wireLog(log) {
    if (log.dataset.locoWired) { return; }
    log.dataset.locoWired = "1";
    new MutationObserver(function () { log.scrollTop = log.scrollHeight; })
      .observe(log, {childList: true, subtree: true});
  }
  function wire() {
    var areas = document.querySelectorAll(".loco-input-" + id + " textarea");
    areas.forEach(wireInput);
    document.querySelectorAll(".loco-chat-" + id).forEach(wireLog);
    return areas.length > 0;
  }
  var tries = 0;
  var timer = setInterval(function () {
    tries += 1;
    if (wire() || tries > 100) { clearInterval(timer); }
  }, 100);
})();
"""


def key_hook(css_id: str) -> widgets.Output:
    """Return a hidden Output widget whose script wires the panel with class suffix ``css_id``."""
    hook = widgets.Output(layout=widgets.Layout(display="none"))
    script = _SCRIPT % {"id": css_id}
    entry = {"application/javascript": script, "text/plain": ""}
    hook.outputs = ({"output_type": "display_data", "data": entry, "metadata": {}},)
    return hook
