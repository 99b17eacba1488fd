// Real servers on 127.0.0.1 for the network tests: a cpp-httplib server in
// a thread, and a raw TCP responder for what a well-behaved server never
// sends (truncated bodies, silence). Both pick a free port and stop on
// scope exit; nothing here talks to any other address.
#ifndef LINKPAGE_TESTS_HTTP_SERVER_H_
#define LINKPAGE_TESTS_HTTP_SERVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <httplib.h>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace linkpage::test {

// A cpp-httplib server. Register handlers on server() before Start().
// Every request is recorded (path and headers) before it is routed.
// Handlers that wait must use Sleep(), which returns early when the server
// is being destroyed, so a test never hangs on a sleeping handler.
class HttpServer {
 public:
  explicit HttpServer(size_t threads = 48) {
    server_.new_task_queue = [threads] {
      return new httplib::ThreadPool(threads);
    };
    server_.set_keep_alive_timeout(1);
    // cpp-httplib listens with a backlog of 5: a burst of connections
    // would see SYNs dropped and retried a second later. Keep the socket
    // to listen again with a real backlog in Start().
    server_.set_socket_options([this](socket_t sock) {
      httplib::default_socket_options(sock);
      listen_fd_ = sock;
    });
    server_.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response&) {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back({req.path, req.headers});
          return httplib::Server::HandlerResponse::Unhandled;
        });
  }
  ~HttpServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  httplib::Server& server() { return server_; }

  // Binds to 127.0.0.1 on a free port and serves in a thread. The socket
  // listens on return, so requests made right away are queued, not lost.
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (listen_fd_ >= 0) ::listen(listen_fd_, 1024);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Waits "d"; false when the server is stopping (return at once then).
  bool Sleep(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mu_);
    return !wake_.wait_for(lock, d, [this] { return stopping_; });
  }

  // Requests seen for "path" so far.
  int Hits(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& r : requests_) n += r.path == path;
    return n;
  }

  // The value of header "name" in the last request for "path", or "".
  std::string LastHeader(const std::string& path, const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = requests_.rbegin(); it != requests_.rend(); ++it) {
      if (it->path != path) continue;
      auto h = it->headers.find(name);
      return h == it->headers.end() ? "" : h->second;
    }
    return "";
  }

 private:
  struct Seen {
    std::string path;
    httplib::Headers headers;
  };

  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  int listen_fd_ = -1;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<Seen> requests_;
};

// A bare TCP server on 127.0.0.1. With Mode::kRespond it reads each
// request's head, writes "response" verbatim and closes the connection;
// with Mode::kSilent it never even accepts (the kernel completes the
// handshake, the client sends its request, and nothing ever comes back).
class RawServer {
 public:
  enum class Mode { kRespond, kSilent };

  explicit RawServer(std::string response, Mode mode = Mode::kRespond)
      : response_(std::move(response)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd_ < 0 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 64) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    if (mode == Mode::kRespond) thread_ = std::thread([this] { Serve(); });
  }
  ~RawServer() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections() const { return connections_; }

 private:
  void Serve() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++connections_;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos && !stopping_) {
        pollfd cp{c, POLLIN, 0};
        if (::poll(&cp, 1, 50) <= 0) continue;
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      size_t done = 0;
      while (done < response_.size()) {
        ssize_t n = ::send(c, response_.data() + done,
                           response_.size() - done, MSG_NOSIGNAL);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      ::shutdown(c, SHUT_RDWR);
      ::close(c);
    }
  }

  std::string response_;
  int fd_ = -1;
  int port_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
};

}  // namespace linkpage::test

#endif  // LINKPAGE_TESTS_HTTP_SERVER_H_
