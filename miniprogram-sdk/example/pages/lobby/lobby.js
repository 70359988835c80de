const { lobbyPage } = require('../../lib/pages');

Page({
  data: { status: 'connecting', statusText: '', name: '', error: '', canPlay: false, size: 2, sizes: [2, 3, 4], joining: false },

  onLoad() {
    this.logic = lobbyPage({
      getClient: () => getApp().getClient(),
      setData: (d) => this.setData(d),
      navigateTo: (url) => wx.navigateTo({ url }),
      toast: (title) => wx.showToast({ title, icon: 'none' }),
    });
    this.logic.onLoad();
  },
  onUnload() {
    this.logic.onUnload();
  },
  onSizeChange(e) {
    this.logic.onSizeChange(this.data.sizes[e.detail.value]);
  },
  onPlay() {
    this.logic.onPlay().catch(() => {});
  },
  onGold() {
    this.logic.onGold();
  },
});
