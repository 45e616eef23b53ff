// The console's starter quick replies. {customer_name}, {agent}, {product}, {order} and
// {room} are filled in from the selected conversation.

export const TEMPLATES = [
  { id: 'greet', title: 'Greeting', text: 'Hi {customer_name}, this is {agent}. How can I help you today?' },
  { id: 'stock', title: 'Stock check', text: 'Hi {customer_name}, {product} is in stock and ships today.' },
  { id: 'coupon', title: 'Coupon at checkout', text: 'Sorry about that, {customer_name}. I have re-applied your coupon; please refresh your cart.' },
  { id: 'order', title: 'Order status', text: 'Your order {order} is on its way. You will get a tracking link by message.' },
  { id: 'size', title: 'Size advice', text: 'For {product}, we suggest one size up if you are between sizes.' },
  { id: 'refund', title: 'Refund', text: 'I have started your refund for {order}; it reaches your account in 3-5 days.' },
  { id: 'wait', title: 'Please wait', text: 'Thanks for waiting, {customer_name}. I am checking this for you now.' },
  { id: 'bye', title: 'Closing', text: 'Is there anything else I can help with, {customer_name}? Enjoy the live show in {room}!' },
  { id: 'zh-greet', title: '问候', text: '{customer_name} 您好，我是客服 {agent}，请问有什么可以帮您？' },
  { id: 'zh-stock', title: '库存', text: '{customer_name} 您好，{product} 有现货，今天发货。' },
];

/** Templates whose title or text contains every word of the query. */
export function searchTemplates(query, templates = TEMPLATES) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return templates.filter((t) => words.every((w) => `${t.title} ${t.text}`.toLowerCase().includes(w)));
}

/** Fills the template's variables; a variable without a value becomes a neutral word. */
export function fillTemplate(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => values[name] || ({ product: 'this item', order: 'your order' }[name] ?? ''));
}
