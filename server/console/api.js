// JSON requests to the iotlab API; errors carry the server's message (and its problems).
export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? { 'x-iotlab-csrf': '1' } : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const e = data?.error;
    const problems = (e?.problems ?? []).map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new Error(`${e?.message ?? res.status}${problems ? ` (${problems})` : ''}`);
  }
  return data;
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
