// Sorts the summary table (/summary/{area}.html) by the column whose heading button is
// pressed: the indicator column by title, an area's column by its comparison with Wales
// (the cells' data-sort: 2 higher, 1 similar, 0 lower; untested last); pressing again
// reverses. On a narrow screen (below 48rem, as the page's CSS) it shows the chooser above
// the table: one cluster (on Wales's summary, one board) beside the board and Wales, the
// others' columns marked `off` (which only that CSS hides), so the table fits a phone.
// The table works without this script; it only adds sorting and the chooser.
const table = document.getElementById('summary');
if (table) {
  const body = table.tBodies[0];
  table.querySelectorAll('thead th').forEach((th, index) => {
    const button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', () => {
      const ascending = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('thead th').forEach((h) => h.removeAttribute('aria-sort'));
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const text = th.dataset.type === 'text';
      const key = (row) => {
        const raw = row.children[index]?.dataset.sort ?? '';
        if (text) return raw;
        return raw === '' ? null : Number(raw);
      };
      const rows = [...body.rows];
      rows.sort((a, b) => {
        const x = key(a);
        const y = key(b);
        if (text) return ascending ? x.localeCompare(y) : y.localeCompare(x);
        if (x === null) return 1;
        if (y === null) return -1;
        return ascending ? x - y : y - x;
      });
      rows.forEach((r) => body.appendChild(r));
    });
  });
}

// The chooser: each option names a column heading by its data-choice (an area code).
const chooser = document.getElementById('area-choice');
if (table && chooser) {
  const headings = [...table.tHead.rows[0].cells];
  const show = (code) => {
    const hidden = new Set(headings
      .map((th, index) => (th.dataset.choice !== undefined && th.dataset.choice !== code ? index : -1))
      .filter((index) => index >= 0));
    for (const row of table.rows) {
      [...row.cells].forEach((cell, index) => cell.classList.toggle('off', hidden.has(index)));
    }
  };
  chooser.addEventListener('change', () => show(chooser.value));
  show(chooser.value);
  chooser.closest('.chooser').hidden = false;
}
