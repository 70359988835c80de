// One RpsClient (one SocketTask) for the whole app, shared by the pages; the
// GoldClient of the gold page joins /gold on the same SocketTask.
const { io } = require('rpsio-miniprogram-sdk'); // after "Tools → Build npm" in the devtools
const { RpsClient } = require('./lib/rps-client');
const { GoldClient } = require('./lib/gold-client');
const config = require('./config');

App({
  globalData: { client: null, gold: null },

  getClient() {
    if (!this.globalData.client) {
      const saved = wx.getStorageSync('rps.player') || {};
      this.globalData.client = new RpsClient({
        io,
        url: config.url,
        ioOptions: { path: config.path },
        name: saved.name || '',
        token: saved.token || '',
        onToken: (token) => {
          const player = this.globalData.client.me;
          wx.setStorageSync('rps.player', { name: player.name, token });
        },
      });
    }
    return this.globalData.client;
  },

  // The /gold namespace on the RpsClient's connection, created the first
  // time the gold page opens. Same player: it starts from the same token.
  getGoldClient() {
    if (!this.globalData.gold) {
      const rps = this.getClient();
      const saved = wx.getStorageSync('rps.player') || {};
      this.globalData.gold = new GoldClient({
        manager: rps.socket.io,
        name: rps.me.name || saved.name || '',
        token: rps.me.token || saved.token || '',
        onToken: (token) => {
          const player = this.globalData.gold.me;
          wx.setStorageSync('rps.player', { name: player.name, token });
        },
      });
    }
    return this.globalData.gold;
  },

  onLaunch() {
    this.getClient(); // connect early; the SDK handles show/hide and the network by itself
  },
});
