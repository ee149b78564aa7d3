// Starts the NHS.UK frontend components (header menu, skip link, buttons) on every page.
import { initAll } from "/assets/nhsuk/nhsuk-frontend.min.js";

initAll();
