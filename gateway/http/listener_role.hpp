#pragma once
// Which listener accepted a connection. With `server.admin_listen` set, the
// routes that reveal traffic or configuration (metrics, dashboard, stats,
// readiness) are served only on the admin listener and the API only on the
// public one; without it, the public listener serves everything.
namespace switchyard {

enum class ListenerRole { public_api, admin };

}  // namespace switchyard
