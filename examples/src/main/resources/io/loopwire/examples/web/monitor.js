// The live page: polls /api/targets and /api/alerts every probe interval and draws one uPlot smoke plot per target.
(function () {
  'use strict';
  var body = document.body;
  var intervalMs = Math.max(250, Number(body.dataset.intervalMs) || 10000);
  var historySeconds = Number(body.dataset.historySeconds) || 3600;
  var bucketSeconds = Number(body.dataset.bucketSeconds) || 60;
  var COLORS = { NORMAL: '#2e7d32', SLOW: '#f9a825', VERY_SLOW: '#ef6c00', PENDING: '#757575', DOWN: '#c62828',
    UNKNOWN: '#9e9e9e' };
  var views = {};

  function text(tag, cls, content) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (content !== undefined) { el.textContent = content; }
    return el;
  }

  function num(v, digits) {
    return v === null || v === undefined ? '\u2013' : Number(v).toFixed(digits);
  }

  function plotWidth(el) {
    return Math.max(320, Math.min(1100, (el.clientWidth || 800) - 20));
  }

  function createView(t, index) {
    var section = text('section', 'target');
    section.dataset.target = t.target;
    section.dataset.kind = t.kind; // udp, tcp or tls
    section.setAttribute('aria-labelledby', 'target-' + index);
    var head = text('header');
    var title = text('h2', null, t.name === t.target ? t.target : t.name + ' (' + t.target + ')');
    title.id = 'target-' + index;
    title.appendChild(document.createTextNode(' '));
    title.appendChild(text('span', 'kind', t.kind)); // udp (echo round trip) or tcp (connect time)
    var state = text('span', 'state');
    state.setAttribute('aria-live', 'polite');
    head.appendChild(title);
    head.appendChild(state);
    var figures = text('p', 'figures');
    var plotBox = text('div', 'plot');
    plotBox.setAttribute('role', 'img');
    plotBox.setAttribute('aria-label', 'Round-trip time smoke plot of ' + t.target + '; the table below has the same numbers');
    var wrap = text('div', 'table-wrap');
    wrap.tabIndex = 0;
    var table = text('table');
    table.appendChild(text('caption', null, 'Round-trip time (ms) and loss per ' + bucketSeconds + ' s bucket, newest first'));
    var hr = text('tr');
    ['time', 'min', 'p10', 'median', 'p90', 'max', 'loss %'].forEach(function (h) {
      var th = text('th', null, h);
      th.scope = 'col';
      hr.appendChild(th);
    });
    var thead = text('thead');
    thead.appendChild(hr);
    table.appendChild(thead);
    var tbody = text('tbody');
    table.appendChild(tbody);
    wrap.appendChild(table);
    section.appendChild(head);
    section.appendChild(figures);
    section.appendChild(plotBox);
    section.appendChild(wrap);
    document.getElementById('targets').appendChild(section);

    var hidden = { stroke: 'rgba(0,0,0,0)', width: 0, points: { show: false }, scale: 'ms' };
    var opts = {
      width: plotWidth(section), height: 190,
      legend: { show: true },
      scales: {
        x: { time: true, range: function () { var now = Date.now() / 1000; return [now - historySeconds, now]; } },
        ms: { range: function (u, min, max) { return [0, Math.max(1, (max || 0) * 1.15)]; } },
        loss: { range: [0, 100] }
      },
      series: [
        {},
        Object.assign({ label: 'p10' }, hidden),
        Object.assign({ label: 'p25' }, hidden),
        { label: 'median ms', scale: 'ms', stroke: '#0d47a1', width: 2, points: { show: true, size: 5 } },
        Object.assign({ label: 'p75' }, hidden),
        Object.assign({ label: 'p90' }, hidden),
        { label: 'loss %', scale: 'loss', stroke: '#c62828', fill: 'rgba(198,40,40,0.45)',
          paths: uPlot.paths.bars({ size: [0.9, 40] }), points: { show: false } }
      ],
      bands: [
        { series: [5, 1], fill: 'rgba(13,71,161,0.15)' },
        { series: [4, 2], fill: 'rgba(13,71,161,0.30)' }
      ],
      axes: [
        {},
        { scale: 'ms', label: 'RTT ms' },
        { scale: 'loss', side: 1, label: 'loss %', grid: { show: false } }
      ]
    };
    var plot = new uPlot(opts, [[], [], [], [], [], [], []], plotBox);
    return { section: section, state: state, figures: figures, tbody: tbody, plot: plot };
  }

  function update(view, t) {
    var color = COLORS[t.state] || COLORS.UNKNOWN;
    view.section.dataset.state = t.state;
    view.section.style.setProperty('--state-color', color);
    view.state.textContent = t.state;
    view.figures.textContent = '';
    [['last', num(t.last_rtt_ms, 2) + ' ms'], ['avg', num(t.avg_rtt_ms, 2) + ' ms'],
      ['p50', num(t.p50_rtt_ms, 2) + ' ms'], ['p90', num(t.p90_rtt_ms, 2) + ' ms'],
      ['max', num(t.max_rtt_ms, 2) + ' ms'], ['loss', num(t.loss_percent, 1) + ' %'],
      ['sent', String(t.sent)], ['received', String(t.received)]]
      .concat(t.reason ? [['last loss', t.reason]] : [])
      .concat(t.cert_not_after ? [['certificate expires', t.cert_not_after.slice(0, 10) + ' (' + t.cert_days_left + ' d)']] : [])
      .concat(t.cert_problem ? [['certificate', t.cert_problem]] : []).forEach(function (pair, i) {
      if (i > 0) { view.figures.appendChild(document.createTextNode(' \u00b7 ')); }
      view.figures.appendChild(document.createTextNode(pair[0] + ' '));
      view.figures.appendChild(text('b', null, pair[1]));
    });
    var s = t.smoke;
    view.plot.setData([s.t, s.p10, s.p25, s.p50, s.p75, s.p90, s.loss]);
    view.section.dataset.points = String(s.t.length);
    view.tbody.textContent = '';
    for (var i = s.t.length - 1; i >= 0; i--) {
      var tr = text('tr');
      var th = text('th', null, new Date(s.t[i] * 1000).toLocaleTimeString());
      th.scope = 'row';
      tr.appendChild(th);
      [num(s.min[i], 2), num(s.p10[i], 2), num(s.p50[i], 2), num(s.p90[i], 2), num(s.max[i], 2),
        num(s.loss[i], 0)].forEach(function (v) { tr.appendChild(text('td', null, v)); });
      view.tbody.appendChild(tr);
    }
  }

  function showAlerts(alerts) {
    var list = document.getElementById('alerts');
    list.textContent = '';
    if (alerts.length === 0) { list.appendChild(text('li', null, 'none yet')); }
    alerts.forEach(function (a) {
      var li = text('li');
      li.appendChild(text('time', null, a.at));
      li.appendChild(document.createTextNode(' ' + a.subject));
      list.appendChild(li);
    });
  }

  function render(data) {
        var seen = {};
        data[0].forEach(function (t, i) {
          // Keyed by name: a udp and a tcp target may share an address; names are unique.
          seen[t.name] = true;
          if (!views[t.name]) { views[t.name] = createView(t, i); }
          update(views[t.name], t);
        });
        Object.keys(views).forEach(function (name) {
          if (!seen[name]) { if (views[name].plot.destroy) { views[name].plot.destroy(); } views[name].section.remove(); delete views[name]; } // gone from the targets file
        });
        showAlerts(data[1]);
        document.getElementById('status').textContent = 'updated ' + new Date().toLocaleTimeString()
          + ', every ' + (intervalMs / 1000) + ' s';
  }

  function poll() {
    Promise.all([fetch('/api/targets', { cache: 'no-store' }), fetch('/api/alerts', { cache: 'no-store' })])
      .then(function (r) {
        if (!r[0].ok || !r[1].ok) { throw new Error('HTTP ' + r[0].status + '/' + r[1].status); }
        return Promise.all([r[0].json(), r[1].json()]);
      })
      .then(render)
      .catch(function (e) {
        document.getElementById('status').textContent = 'cannot reach the monitor (' + e.message + '); retrying';
      })
      .finally(function () { setTimeout(poll, intervalMs); });
  }

  window.addEventListener('resize', function () {
    Object.keys(views).forEach(function (k) {
      var v = views[k];
      v.plot.setSize({ width: plotWidth(v.section), height: 190 });
    });
  });
  // The page arrives with the targets as they were (elements a screenshot or a reader without scripts can see, and
  // their data): draw them at once, then poll.
  var first = document.getElementById('first-data');
  if (first && first.textContent.trim().charAt(0) === '[') {
    document.getElementById('targets').textContent = '';
    render(JSON.parse(first.textContent));
    setTimeout(poll, intervalMs);
  } else {
    poll();
  }
}());
