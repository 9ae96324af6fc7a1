// The console page: pick who you are, pick a chat, talk to the bot and press
// its buttons. Plain DOM code; everything from the server is inserted as text
// (or through the escaping markdown renderer below), never as raw HTML.
'use strict';

(() => {
  const ROLES = { sales: '销售', presales: '售前', finance: '财务', manager: '经理', admin: '管理员' };
  const KEY_MEMBER = 'salesbot.console.member';
  const KEY_CHAT = 'salesbot.console.chat';
  const POLL_WAIT = 25; // seconds; the server caps long-polls at 30

  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  };

  const state = {
    members: [],
    chats: [],
    me: localStorage.getItem(KEY_MEMBER) || '',
    chat: localStorage.getItem(KEY_CHAT) || '',
    msgs: new Map(), // id → message, for the current chat
    nodes: new Map(), // id → element
    rev: 0,
    gen: 0, // bumped on every chat switch; stale poll loops stop
    abort: null,
    pinned: true, // the message list is scrolled to its end
    replyTo: '', // the message the next one answers in its thread
  };

  // ---- server calls ----

  async function call(method, path, body, signal) {
    const opts = { method, signal, headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    let data = null;
    try { data = await res.json(); } catch (_) { /* not JSON */ }
    return { status: res.status, ok: res.ok, data, headers: res.headers };
  }

  const errorText = (r) => (r.data && r.data.error) || `请求失败(${r.status})`;
  const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

  // ---- toast and banner ----

  let toastTimer = 0;
  function toast(text, isError) {
    const t = $('toast');
    t.textContent = text;
    t.classList.toggle('toast-error', !!isError);
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, isError ? 5000 : 3000);
  }

  const banner = (on) => { $('banner').hidden = !on; };

  // ---- who and where ----

  const member = (id) => state.members.find((m) => m.id === id);
  const chat = (id) => state.chats.find((c) => c.id === id);
  const isDirect = (c) => (c.kind ? c.kind === 'direct' : c.id.startsWith('dm:'));
  const myDM = () => 'dm:' + state.me;

  function renderMembers() {
    const sel = $('member');
    sel.textContent = '';
    for (const m of state.members) {
      const label = [m.name, ROLES[m.role] || m.role, m.team].filter(Boolean).join(' · ');
      const o = el('option', '', label);
      o.value = m.id;
      sel.append(o);
    }
    sel.value = state.me;
  }

  function chatButton(c, label) {
    const li = el('li');
    const b = el('button', 'chat-item');
    b.type = 'button';
    b.dataset.chat = c.id;
    const icon = el('span', 'chat-icon' + (isDirect(c) ? ' chat-icon-bot' : ''), isDirect(c) ? '助' : '群');
    icon.setAttribute('aria-hidden', 'true');
    const text = el('span', 'chat-text');
    text.append(el('span', 'chat-label', label));
    const meta = chatMeta(c);
    if (meta) text.append(el('span', 'chat-meta', meta));
    b.append(icon, text);
    if (c.id === state.chat) b.setAttribute('aria-current', 'true');
    b.addEventListener('click', () => openChat(c.id));
    li.append(b);
    return li;
  }

  function chatMeta(c) {
    if (isDirect(c)) return '只有你和销售助手';
    const n = state.members.filter((m) => m.team && m.team === c.team).length;
    const parts = [];
    if (c.team && c.team !== c.name) parts.push(c.team);
    if (n) parts.push(`${n} 位成员`);
    const me = member(state.me);
    if (me && me.team && me.team === c.team) parts.push('我的团队');
    return parts.join(' · ');
  }

  function renderChats() {
    const groups = $('groups');
    const dms = $('dms');
    groups.textContent = '';
    dms.textContent = '';
    for (const c of state.chats) {
      if (!isDirect(c)) groups.append(chatButton(c, c.name));
    }
    const dm = chat(myDM());
    if (dm) dms.append(chatButton(dm, '与机器人私聊'));
  }

  function renderHeader() {
    const c = chat(state.chat);
    const me = member(state.me);
    $('chat-name').textContent = c ? c.name : '请选择一个聊天';
    const where = c ? (isDirect(c) ? '私聊 · 只有你和销售助手' : '群聊' + (c.team ? ' · ' + c.team : '')) : '';
    const who = me ? `以 ${me.name}(${ROLES[me.role] || me.role})身份发言` : '';
    $('chat-sub').textContent = [where, who].filter(Boolean).join(' · ');
    document.title = (c ? c.name + ' - ' : '') + '销售助手 · 本地控制台';
  }

  function chooseMember(id) {
    state.me = id;
    localStorage.setItem(KEY_MEMBER, id);
    // Another member's direct chat is not ours to read or write.
    const c = chat(state.chat);
    if (!c || (isDirect(c) && c.id !== myDM())) {
      openChat(c && isDirect(c) ? myDM() : firstChat());
    } else {
      renderChats();
      renderHeader();
      rerenderAll(); // "own" bubbles move sides
    }
  }

  function firstChat() {
    const me = member(state.me);
    const own = me && state.chats.find((c) => !isDirect(c) && c.team && c.team === me.team);
    const anyGroup = state.chats.find((c) => !isDirect(c));
    return (own || anyGroup || chat(myDM()) || {}).id || '';
  }

  function openChat(id) {
    state.chat = id;
    localStorage.setItem(KEY_CHAT, id);
    state.msgs.clear();
    state.nodes.clear();
    state.rev = 0;
    state.pinned = true;
    setReply('');
    const list = $('messages');
    list.textContent = '';
    list.append(emptyNote(id ? '加载中…' : '没有可用的聊天。'));
    renderChats();
    renderHeader();
    startPolling();
  }

  // ---- messages ----

  function emptyNote(text) {
    const p = el('p', 'empty', text);
    p.id = 'empty';
    return p;
  }

  function fmtTime(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return '';
    const hm = d.toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false });
    const today = new Date();
    if (d.toDateString() === today.toDateString()) return hm;
    return `${d.getMonth() + 1}月${d.getDate()}日 ${hm}`;
  }

  function avatar(from) {
    const a = el('span', 'avatar' + (from.bot ? ' avatar-bot' : ''), from.bot ? '助' : (from.name || '?').slice(-2));
    if (!from.bot) a.classList.add('avatar-c' + (hash(from.id) % 6));
    a.setAttribute('aria-hidden', 'true');
    return a;
  }

  function hash(s) {
    let h = 0;
    for (const ch of s || '') h = (h * 31 + ch.codePointAt(0)) >>> 0;
    return h;
  }

  function renderMessage(m) {
    const own = !m.from.bot && m.from.id === state.me;
    const row = el('article', 'msg' + (own ? ' msg-own' : '') + (m.from.bot ? ' msg-bot' : ''));
    row.dataset.id = m.id;
    row.setAttribute('aria-label', `${m.from.name} ${fmtTime(m.at)}`);
    const body = el('div', 'msg-body');
    const meta = el('div', 'msg-meta');
    meta.append(el('span', 'msg-name', m.from.name));
    if (m.from.bot) meta.append(el('span', 'tag', '机器人'));
    const time = el('time', 'msg-time', fmtTime(m.at));
    time.dateTime = m.at;
    meta.append(time);
    const reply = el('button', 'msg-reply', '回复');
    reply.type = 'button';
    reply.title = '在这条消息的话题里回复';
    reply.addEventListener('click', () => setReply(m.id));
    meta.append(reply);
    body.append(meta);
    if (m.reply_to) body.append(quote(m.reply_to));
    if (m.text) {
      const bubble = el('div', 'bubble');
      bubble.innerHTML = markdown(m.text);
      body.append(bubble);
    }
    if (m.card) body.append(renderCard(m.card, m.id));
    row.append(avatar(m.from), body);
    return row;
  }

  function quote(id) {
    const q = el('div', 'quote');
    const orig = state.msgs.get(id);
    if (orig) {
      const text = orig.text || (orig.card && orig.card.header && orig.card.header.title) || '';
      q.textContent = `回复 ${orig.from.name}:${text.replace(/\s+/g, ' ')}`;
    } else {
      q.textContent = '回复一条更早的消息';
    }
    return q;
  }

  // merge adds new messages in id order and replaces changed ones in place.
  function merge(list) {
    const box = $('messages');
    let added = false;
    for (const m of list) {
      const old = state.nodes.get(m.id);
      state.msgs.set(m.id, m);
      const node = renderMessage(m);
      if (old) {
        const hadFocus = old.contains(document.activeElement);
        old.replaceWith(node);
        if (hadFocus) focusCard(node);
      } else {
        let before = null;
        for (const n of box.querySelectorAll('.msg')) {
          if (n.dataset.id > m.id) { before = n; break; }
        }
        box.insertBefore(node, before);
        added = true;
      }
      state.nodes.set(m.id, node);
    }
    // A reply may arrive before the message it quotes is known.
    for (const m of list) {
      for (const [id, n] of state.nodes) {
        const r = state.msgs.get(id);
        if (r.reply_to === m.id && !n.querySelector('.quote').textContent.startsWith('回复 ')) {
          const fresh = renderMessage(r);
          n.replaceWith(fresh);
          state.nodes.set(id, fresh);
        }
      }
    }
    const empty = $('empty');
    if (state.msgs.size > 0 && empty) empty.remove();
    if (state.msgs.size === 0 && empty) empty.textContent = '还没有消息。说点什么,比如汇报一次拜访、登记回款,或者问“本月进度”。';
    if (added || state.pinned) scrollToBottom();
  }

  function scrollToBottom() {
    const box = $('messages');
    box.scrollTop = box.scrollHeight;
    state.pinned = true;
  }

  function rerenderAll() {
    const list = [...state.msgs.values()];
    state.nodes.forEach((n) => n.remove());
    state.nodes.clear();
    merge(list);
  }

  function focusCard(node) {
    const target = node.querySelector('.card button:not([disabled])') || node.querySelector('.card');
    if (target) target.focus();
  }

  // ---- cards ----

  // markdown renders a small, safe subset: the text is HTML-escaped first,
  // then **bold**, "- " list items and line breaks become tags.
  function markdown(src) {
    const esc = String(src)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    const inline = (s) => s.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
    const out = [];
    let list = null;
    for (const line of esc.split('\n')) {
      const item = /^\s*[-*•] (.*)$/.exec(line);
      if (item) {
        if (!list) { list = []; }
        list.push(`<li>${inline(item[1])}</li>`);
        continue;
      }
      if (list) { out.push(`<ul>${list.join('')}</ul>`); list = null; }
      out.push(inline(line) + '<br>');
    }
    if (list) out.push(`<ul>${list.join('')}</ul>`);
    return out.join('').replace(/(<br>)+$/, '');
  }

  const STATUS = ['neutral', 'info', 'success', 'warning', 'danger'];

  function renderCard(card, messageID) {
    const c = el('div', 'card');
    c.tabIndex = -1;
    const h = card.header || {};
    const status = STATUS.includes(h.status) ? h.status : 'neutral';
    const head = el('div', 'card-header card-' + status);
    const title = el('div', 'card-title', h.title || '');
    head.append(title);
    if (h.subtitle) head.append(el('div', 'card-subtitle', h.subtitle));
    c.append(head);
    c.setAttribute('role', 'group');
    c.setAttribute('aria-label', '卡片:' + (h.title || ''));

    const body = el('div', 'card-body');
    for (const e of card.elements || []) {
      const node = renderElement(e);
      if (node) body.append(node);
    }
    if (body.childNodes.length) c.append(body);

    if (card.actions && card.actions.length) {
      const bar = el('div', 'card-actions');
      for (const a of card.actions) bar.append(actionButton(a, messageID, c));
      c.append(bar);
    }
    return c;
  }

  function renderElement(e) {
    switch (e.kind) {
      case 'markdown': {
        const d = el('div', 'card-md');
        d.innerHTML = markdown(e.text || '');
        return d;
      }
      case 'note':
        return el('div', 'card-note', e.text || '');
      case 'divider':
        return el('hr', 'card-divider');
      case 'fields': {
        const dl = el('dl', 'card-fields');
        for (const f of e.fields || []) {
          dl.append(el('dt', '', f.label), el('dd', '', f.value));
        }
        return dl;
      }
      case 'progress': {
        const wrap = el('div', 'card-progress');
        for (const r of e.progress || []) wrap.append(progressRow(r));
        return wrap;
      }
      case 'image': {
        const img = e.image || {};
        const src = img.png ? 'data:image/png;base64,' + img.png : safeURL(img.url);
        if (!src) return null;
        const i = el('img', 'card-image');
        i.src = src;
        i.alt = img.alt || '图片';
        // The image's height is known only once it loads; keep the latest
        // message in view if the reader was at the bottom.
        i.addEventListener('load', () => { if (state.pinned) scrollToBottom(); });
        return i;
      }
      default:
        return e.text ? el('div', 'card-md', e.text) : null;
    }
  }

  function safeURL(u) {
    return typeof u === 'string' && /^https?:\/\//i.test(u) ? u : '';
  }

  function progressRow(r) {
    const row = el('div', 'prog');
    const pct = Number(r.percent) || 0;
    const marker = Number(r.marker);
    const hasMarker = Number.isFinite(marker) && marker >= 0;
    const head = el('div', 'prog-head');
    head.append(el('span', 'prog-label', r.label || ''), el('span', 'prog-pct', fmtPct(pct)));
    row.append(head);

    const bar = el('div', 'prog-bar');
    bar.setAttribute('role', 'meter');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    bar.setAttribute('aria-label', `${r.label || ''} 完成 ${fmtPct(pct)}` + (hasMarker ? `,时间进度 ${fmtPct(marker)}` : ''));
    const fill = el('div', 'prog-fill');
    fill.style.width = Math.max(0, Math.min(pct, 100)) + '%';
    if (hasMarker) fill.classList.add(pct >= marker ? 'prog-ahead' : 'prog-behind');
    bar.append(fill);
    if (hasMarker) {
      const mk = el('div', 'prog-marker');
      mk.style.left = Math.min(marker, 100) + '%';
      mk.title = '时间进度 ' + fmtPct(marker);
      bar.append(mk);
    }
    row.append(bar);
    const notes = [];
    if (hasMarker) notes.push('时间进度 ' + fmtPct(marker));
    if (r.note) notes.push(r.note);
    if (notes.length) row.append(el('div', 'prog-note', notes.join(' · ')));
    return row;
  }

  const fmtPct = (n) => (Math.round(n * 10) / 10) + '%';

  function actionButton(a, messageID, card) {
    const style = ['primary', 'danger'].includes(a.style) ? a.style : 'default';
    const b = el('button', 'btn btn-' + style, a.label);
    b.type = 'button';
    b.dataset.action = a.id;
    b.addEventListener('click', async () => {
      if (a.confirm && !window.confirm([a.confirm.title, a.confirm.text].filter(Boolean).join('\n\n'))) return;
      const buttons = card.querySelectorAll('.card-actions button');
      buttons.forEach((x) => { x.disabled = true; });
      try {
        const r = await call('POST', '/console/api/actions', { message_id: messageID, action: a.id, member: state.me });
        if (r.ok) toast((r.data && r.data.toast) || '已完成');
        else toast(errorText(r), true);
      } catch (_) {
        toast('网络错误,请重试', true);
      } finally {
        // The card may have been replaced by an update meanwhile.
        buttons.forEach((x) => { x.disabled = false; });
      }
    });
    return b;
  }

  // ---- live updates ----

  function startPolling() {
    if (state.abort) state.abort.abort();
    const gen = ++state.gen;
    const ctl = new AbortController();
    state.abort = ctl;
    if (state.chat) pollLoop(gen, state.chat, ctl.signal);
  }

  async function pollLoop(gen, chatID, signal) {
    let backoff = 1000;
    let wait = 0; // the first answer comes at once, even for an empty chat
    while (gen === state.gen) {
      try {
        const url = `/console/api/messages?chat=${encodeURIComponent(chatID)}&since_rev=${state.rev}&wait=${wait}`;
        const r = await call('GET', url, undefined, signal);
        if (gen !== state.gen) return;
        if (!r.ok) throw new Error(errorText(r));
        state.rev = Number(r.headers.get('X-Console-Rev')) || state.rev;
        merge(r.data || []);
        banner(false);
        backoff = 1000;
        wait = POLL_WAIT;
      } catch (err) {
        if (signal.aborted || gen !== state.gen) return;
        banner(true);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 15000);
      }
    }
  }

  // ---- composer ----

  // setReply makes the next message a reply in the thread of message id
  // ('' for none), shown above the composer until sent or cancelled.
  function setReply(id) {
    state.replyTo = id || '';
    const bar = $('reply-bar');
    const m = state.msgs.get(state.replyTo);
    if (!m) {
      state.replyTo = '';
      bar.hidden = true;
      return;
    }
    const text = m.text || (m.card && m.card.header && m.card.header.title) || '';
    $('reply-text').textContent = `回复 ${m.from.name}:${text.replace(/\s+/g, ' ').slice(0, 60)}`;
    bar.hidden = false;
    $('text').focus();
  }

  let sending = false;
  async function send() {
    const box = $('text');
    const text = box.value.trim();
    if (!text || sending || !state.chat) return;
    sending = true;
    box.disabled = true;
    $('send').disabled = true;
    try {
      const body = { chat: state.chat, member: state.me, text };
      if (state.replyTo) body.reply_to = state.replyTo;
      const r = await call('POST', '/console/api/messages', body);
      if (r.status === 202) {
        box.value = '';
        setReply('');
      }
      else toast(errorText(r), true);
    } catch (_) {
      toast('网络错误,消息没有发出', true);
    } finally {
      sending = false;
      box.disabled = false;
      $('send').disabled = false;
      box.focus();
    }
  }

  function wireComposer() {
    $('composer').addEventListener('submit', (e) => { e.preventDefault(); send(); });
    $('text').addEventListener('keydown', (e) => {
      // Enter while an input method is composing picks a candidate; it must not send.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        send();
      }
    });
    $('member').addEventListener('change', (e) => chooseMember(e.target.value));
    $('reply-cancel').addEventListener('click', () => setReply(''));
    $('messages').addEventListener('scroll', () => {
      const box = $('messages');
      state.pinned = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    });
  }

  // ---- start ----

  async function load() {
    let backoff = 1000;
    for (;;) {
      try {
        const [ms, cs] = await Promise.all([call('GET', '/console/api/members'), call('GET', '/console/api/chats')]);
        if (!ms.ok) throw new Error(errorText(ms));
        if (!cs.ok) throw new Error(errorText(cs));
        state.members = ms.data || [];
        state.chats = cs.data || [];
        banner(false);
        return;
      } catch (_) {
        banner(true);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 15000);
      }
    }
  }

  async function start() {
    wireComposer();
    await load();
    if (!member(state.me)) state.me = state.members.length ? state.members[0].id : '';
    localStorage.setItem(KEY_MEMBER, state.me);
    renderMembers();
    const c = chat(state.chat);
    const usable = c && (!isDirect(c) || c.id === myDM());
    openChat(usable ? c.id : firstChat());
    if (!state.members.length) $('empty').textContent = '还没有成员。先用 salesbot import org 导入组织架构,或用 --demo 启动。';
  }

  start();
})();
