// One RpsClient (one SocketTask) for the whole app, shared by the pages.
const { io } = require('rpsio-miniprogram-sdk'); // after "Tools → Build npm" in the devtools
const { RpsClient } = require('./lib/rps-client');
const config = require('./config');

App({
  globalData: { client: null },

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

  onLaunch() {
    this.getClient(); // connect early; the SDK handles show/hide and the network by itself
  },
});
