// Where rpsio runs. In production this must be a wss:// URL on a domain
// listed under "socket 合法域名" (socket legal domains) in the mini-program
// admin console; see README.md.
module.exports = {
  url: 'wss://rps.example.com',
  // For the devtools with "不校验合法域名" (skip domain check) ticked, a local rpsio:
  // url: 'ws://127.0.0.1:8080',
};
