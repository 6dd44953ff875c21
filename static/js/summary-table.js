// Sorts the summary table (/summary/{area}.html) by the column whose heading button is
// pressed: the indicator column by title, an area's column by its comparison with Wales
// (the cells' data-sort: 2 higher, 1 similar, 0 lower; untested last); pressing again
// reverses.
// The table works without this script; it only adds sorting.
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
