// Marks the page as having JavaScript, as GOV.UK Frontend's styles expect.
//
// GOV.UK Frontend's page template does this with an inline script; the
// Content-Security-Policy forbids inline scripts, so this small classic
// (non-module) script is loaded first thing in <body> instead. The
// `govuk-frontend-supported` class is only added in browsers that support
// ES modules, the ones GOV.UK Frontend's JavaScript runs in.
document.body.className +=
  ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
