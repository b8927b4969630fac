#include "gateway/flow/interrupts.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include "gateway/http/session.hpp"

namespace switchyard {

namespace {
// The client is gone when its side has sent FIN (or reset): a zero-byte peek,
// a socket error, or a TCP state past ESTABLISHED. The last matters for TLS,
// where a closing client's close_notify record sits in front of its FIN, so
// the peek sees a byte.
bool client_closed(int fd) {
  char byte;
  ssize_t peeked = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked == 0) return true;
  if (peeked < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  tcp_info info{};
  socklen_t length = sizeof(info);
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return false;
  return info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_CLOSE;
}
}  // namespace

InterruptWatch::InterruptWatch(Session& session, bool watch_client)
    : session_(session), self_(std::make_shared<InterruptWatch*>(this)) {
  session_.worker().track_in_flight(this);
  if (watch_client) watch_client_socket();
}

InterruptWatch::~InterruptWatch() {
  *self_ = nullptr;
  session_.worker().untrack_in_flight(this);
  if (watching_client_) {
    // Nothing else waits on the client socket while a non-streamed answer
    // is pending, so this cancels only our wait.
    boost::system::error_code ignored;
    session_.client_socket().cancel(ignored);
  }
}

void InterruptWatch::interrupt_with(Interrupt why) {
  if (interrupt_ != Interrupt::none) return;
  interrupt_ = why;
  signal_.emit(boost::asio::cancellation_type::terminal);
}

void InterruptWatch::watch_client_socket() {
  watching_client_ = true;
  session_.client_socket().async_wait(net::socket_base::wait_read,
                                      [self = self_](const boost::system::error_code& ec) {
                                        if (ec || *self == nullptr) return;
                                        (*self)->on_client_readable();
                                      });
}

// Readable with bytes and no FIN: a pipelined request, left in the socket
// for the next read; the watch on the client ends there (the answer's write
// will find out if it leaves later).
void InterruptWatch::on_client_readable() {
  watching_client_ = false;
  if (client_closed(session_.client_socket().native_handle())) {
    interrupt_with(Interrupt::client_left);
  }
}

}  // namespace switchyard
