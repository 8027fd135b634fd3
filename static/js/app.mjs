// Starts GOV.UK Frontend's JavaScript for every component on the page.
//
// Served from /static/js/app.mjs; the build copies GOV.UK Frontend to
// /static/dist/, hence the relative path.
import { initAll } from '../dist/govuk-frontend.min.js'

initAll()

// Content that htmx swaps in later is not initialised by the call above. When a
// swapped fragment carries GOV.UK components with JavaScript (data-module=...),
// initialise just that fragment, for example:
//   document.addEventListener('htmx:load', (event) => initAll(event.detail.elt))
// (scoped, because initialising an element twice logs an error and is skipped).
