// Layout problems inside the given containers (tests/e2e/test_layout.py): boxes leaving their
// container, controls covered at their centre, select options wider than the select.
(selectors) => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
    ' "' + (el.textContent || el.value || '').trim().slice(0, 40) + '"';
  const scrolls = (el) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX);
  for (const selector of selectors) {
    for (const container of document.querySelectorAll(selector)) {
      const box = container.getBoundingClientRect();
      for (const el of container.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        let clipped = false;
        for (let up = el.parentElement; up && up !== container; up = up.parentElement) {
          if (scrolls(up)) { clipped = true; break; }
        }
        if (clipped) continue;
        if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
          problems.push(selector + ': ' + describe(el) + ' leaves its container by ' +
            Math.round(Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom)) + 'px');
        }
      }
    }
  }
  const controls = selectors.flatMap((selector) => Array.from(document.querySelectorAll(
    selector + ' :is(button, a.button, input:not([type=hidden]), select, textarea, [data-key])')));
  for (const control of controls) {
    const style = getComputedStyle(control);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (!control.getClientRects().length) continue;
    control.scrollIntoView({block: 'center', inline: 'center'});
    const r = control.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const ok = hit && (hit === control || control.contains(hit) ||
      (hit.tagName === 'LABEL' && hit.control === control) || (control.closest('label') && control.closest('label') === hit.closest('label')));
    if (!ok) problems.push('covered: ' + describe(control) + ' under ' + (hit ? describe(hit) : 'nothing'));
  }
  for (const select of controls.filter((control) => control.tagName === 'SELECT')) {
    if (!select.getClientRects().length) continue;
    const probe = document.createElement('span');
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;font:' + getComputedStyle(select).font;
    document.body.appendChild(probe);
    for (const option of select.options) {
      probe.textContent = option.text;
      if (probe.getBoundingClientRect().width > select.clientWidth - 32) {
        problems.push('select ' + (select.name || select.id) + ' cuts "' + option.text + '"');
      }
    }
    probe.remove();
  }
  window.scrollTo(0, 0);
  return problems;
}
