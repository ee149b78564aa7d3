// Marks the page as scripted before it is drawn, as the NHS.UK frontend expects (an external file:
// the Content Security Policy allows no inline script).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
