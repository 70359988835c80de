const { gamePage } = require('../../lib/pages');

Page({
  data: { players: [], moves: [], result: null, playing: false, secondsLeft: 0 },

  onLoad() {
    this.logic = gamePage({
      getClient: () => getApp().getClient(),
      setData: (d) => this.setData(d),
      toast: (title) => wx.showToast({ title, icon: 'none' }),
    });
    this.logic.onLoad();
  },
  onUnload() {
    this.logic.onUnload();
  },
  onChoose(e) {
    this.logic.onChoose(e.currentTarget.dataset.move).catch(() => {});
  },
});
