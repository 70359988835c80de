// Where rpsio runs. In production this must be a wss:// URL on a domain
// listed under "socket 合法域名" (socket legal domains) in the mini-program
// admin console; see README.md.
//
// The path is the original design's layout: nginx terminates TLS on 443 and
// forwards /applet/ws/socket.io/ to rpsio started with
// --path /applet/ws/socket.io/ (deploy/nginx/templates-tls, rendered with
// RPSIO_SOCKETIO_PATH=/applet/ws/socket.io/). It must equal rpsio's --path.
module.exports = {
  url: 'wss://rps.example.com',
  path: '/applet/ws/socket.io',
  // For the devtools with "不校验合法域名" (skip domain check) ticked, a local
  // rpsio on its default path (go run ./cmd/rpsio --addr 127.0.0.1:8080):
  // url: 'ws://127.0.0.1:8080', path: '/socket.io',
};
