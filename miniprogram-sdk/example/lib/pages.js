'use strict';
// Page logic, kept out of Page() so Node tests can drive it: a page passes
// its setData and navigation, and forwards its event handlers here.
const { lobbyView, gameView } = require('./rps-client');
const { goldView, goldLobbyView, listRooms } = require('./gold-client');

// Lobby: shows the connection state and the player's name; "Play" joins a
// room of the chosen size and opens the game page; "Gold mining" opens the
// gold page (which has its own list of rooms).
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
    onGold() {
      env.navigateTo('/pages/gold/gold');
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

// Gold mining: a list of gold rooms (over HTTP, refreshed), Play (find or
// create a room of the chosen size) or Join a listed room; then the board,
// whose turn with its countdown, scores and the winners. Leaves the room when
// closed; a dropped connection comes back to the same seat by itself (the
// client keeps the token).
function goldPage(env) {
  // env: { getClient(): GoldClient, url, request(wx.request params), setData(data), toast(msg),
  //        setInterval, clearInterval }
  let client = null;
  let unsubscribe = null;
  let timer = null;
  let lobbyTimer = null;
  let size = 2;
  const setIntervalFn = env.setInterval || setInterval;
  const clearIntervalFn = env.clearInterval || clearInterval;
  const render = () => env.setData(goldView(client));
  const refresh = () =>
    listRooms(env.request, env.url).then(
      (rooms) => {
        env.setData(goldLobbyView(rooms));
        return rooms;
      },
      (err) => {
        env.setData({ lobbyError: err.message });
        throw err;
      }
    );
  const fail = (err) => {
    env.toast(err.message);
    throw err;
  };
  const startLobby = () => {
    if (!lobbyTimer) lobbyTimer = setIntervalFn(() => refresh().catch(() => {}), 3000);
  };
  const stopLobby = () => {
    if (lobbyTimer) clearIntervalFn(lobbyTimer);
    lobbyTimer = null;
  };
  return {
    onLoad() {
      client = env.getClient();
      unsubscribe = client.on('change', render);
      timer = setIntervalFn(render, 500); // the countdown
      env.setData({ size, rooms: [], lobbyError: '' });
      render();
      if (!client.room) startLobby();
      return refresh().catch(() => []);
    },
    onRefresh() {
      return refresh();
    },
    onSizeChange(value) {
      size = Number(value) || 2;
      env.setData({ size });
    },
    // Play: find or create a room of the chosen size.
    onPlay() {
      return this.onJoin({ size });
    },
    // Join a room listed in the lobby (or, when it filled meanwhile, one of its size).
    onJoinRoom(id, roomSize) {
      return this.onJoin({ room: id, size: Number(roomSize) || size });
    },
    onJoin(req) {
      env.setData({ joining: true });
      return client.join(req).then(
        (room) => {
          stopLobby();
          env.setData({ joining: false });
          render();
          return room;
        },
        (err) => {
          env.setData({ joining: false });
          return fail(err);
        }
      );
    },
    onDig(x, y) {
      return client.dig(Number(x), Number(y)).catch(fail);
    },
    // Back to the list of rooms.
    onLeave() {
      return client.leave().then(() => {
        render();
        startLobby();
        return refresh().catch(() => []);
      }, fail);
    },
    onUnload() {
      if (unsubscribe) unsubscribe();
      clearIntervalFn(timer);
      stopLobby();
      if (!client.room) return Promise.resolve();
      return client.leave().catch(() => {});
    },
  };
}

module.exports = { lobbyPage, gamePage, goldPage };
