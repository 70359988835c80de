const { goldPage } = require('../../lib/pages');
const config = require('../../config');

Page({
  data: { size: 2, sizes: [2, 3, 4], rooms: [], lobbyError: '', joining: false, inRoom: false, rows: [], players: [], over: null },

  onLoad() {
    this.logic = goldPage({
      getClient: () => getApp().getGoldClient(),
      url: config.url,
      request: (params) => wx.request(params),
      setData: (d) => this.setData(d),
      toast: (title) => wx.showToast({ title, icon: 'none' }),
    });
    this.logic.onLoad();
  },
  onUnload() {
    this.logic.onUnload();
  },
  onPullDownRefresh() {
    this.logic.onRefresh().catch(() => {}).then(() => wx.stopPullDownRefresh());
  },
  onSizeChange(e) {
    this.logic.onSizeChange(this.data.sizes[e.detail.value]);
  },
  onPlay() {
    this.logic.onPlay().catch(() => {});
  },
  onJoinRoom(e) {
    this.logic.onJoinRoom(e.currentTarget.dataset.id, e.currentTarget.dataset.size).catch(() => {});
  },
  onDig(e) {
    if (e.currentTarget.dataset.state !== 'closed') return; // an open cell: nothing to dig
    this.logic.onDig(e.currentTarget.dataset.x, e.currentTarget.dataset.y).catch(() => {});
  },
  onLeave() {
    this.logic.onLeave().catch(() => {});
  },
});
