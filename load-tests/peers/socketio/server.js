// The same job as a Livedesk node in the benchmarks, done the way a Socket.IO 4.8 app does it:
// a JWT (HS256, iss/aud checked) in the connect packet's auth, rooms joined on request, a say
// broadcast to the room, an application ping answered with a pong. GET /heap runs a full GC
// (node --expose-gc) and returns process.memoryUsage(), for the density measurement.
'use strict';
const http = require('http');
const { Server } = require('socket.io');
const jwt = require('jsonwebtoken');

const port = Number(process.env.PORT || 3000);
const secret = process.env.JWT_SECRET;
const issuer = process.env.JWT_ISSUER || 'livedesk';
const audience = process.env.JWT_AUDIENCE || 'livedesk';
if (!secret) {
  console.error('JWT_SECRET is required');
  process.exit(2);
}

const httpServer = http.createServer((req, res) => {
  if (req.url === '/heap') {
    if (global.gc) global.gc();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ...process.memoryUsage(), sockets: io.engine.clientsCount }));
  } else if (req.url === '/health') {
    res.end('{"status":"UP"}');
  } else {
    res.statusCode = 404;
    res.end();
  }
});

const io = new Server(httpServer, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  pingInterval: 25000,
  pingTimeout: 20000,
});

io.use((socket, next) => {
  try {
    const claims = jwt.verify(String(socket.handshake.auth.token || ''), secret,
      { algorithms: ['HS256'], issuer, audience });
    socket.data.user = claims.sub;
    next();
  } catch (e) {
    next(new Error('unauthorized'));
  }
});

io.on('connection', (socket) => {
  socket.on('ping', (p) => socket.emit('pong', p));
  socket.on('join', (room) => {
    socket.join(String(room));
    socket.emit('joined', String(room));
  });
  socket.on('say', (m) => {
    if (!m || typeof m.roomId !== 'string' || !socket.rooms.has(m.roomId)) return;
    io.to(m.roomId).emit('msg', { roomId: m.roomId, userId: socket.data.user, text: String(m.text), at: Date.now() });
  });
});

httpServer.listen(port, '127.0.0.1', () => console.log(`socket.io peer on :${port}`));
