'use strict';
// Page logic, kept out of Page() so Node tests can drive it: a page passes
// its setData and navigation, and forwards its event handlers here.
const { lobbyView, gameView } = require('./rps-client');

// Lobby: shows the connection state and the player's name; "Play" joins a
// room of the chosen size and opens the game page.
function lobbyPage(env) {
  // env: { getClient(): RpsClient, setData(data), navigateTo(url), toast(msg) }
  let client = null;
  let unsubscribe = null;
  let size = 2;
  return {
    onLoad() {
      client = env.getClient();
      unsubscribe = client.on('change', () => env.setData(lobbyView(client)));
      env.setData(Object.assign({ size }, lobbyView(client)));
    },
    onSizeChange(value) {
      size = Number(value) || 2;
      env.setData({ size });
    },
    onPlay() {
      env.setData({ joining: true });
      return client.join(size).then(
        (room) => {
          env.setData({ joining: false });
          env.navigateTo('/pages/game/game');
          return room;
        },
        (err) => {
          env.setData({ joining: false });
          env.toast(err.message);
          throw err;
        }
      );
    },
    onUnload() {
      if (unsubscribe) unsubscribe();
    },
  };
}

// Game: room, countdown, the three moves, results. Leaves the room when closed.
function gamePage(env) {
  // env: { getClient(), setData(data), toast(msg), setInterval, clearInterval }
  let client = null;
  let unsubscribe = null;
  let timer = null;
  const render = () => env.setData(gameView(client));
  return {
    onLoad() {
      client = env.getClient();
      unsubscribe = client.on('change', render);
      timer = (env.setInterval || setInterval)(render, 500);
      render();
    },
    onChoose(move) {
      return client.choose(move).catch((err) => {
        env.toast(err.message);
        throw err;
      });
    },
    onUnload() {
      if (unsubscribe) unsubscribe();
      (env.clearInterval || clearInterval)(timer);
      return client.leave().catch(() => {});
    },
  };
}

module.exports = { lobbyPage, gamePage };
