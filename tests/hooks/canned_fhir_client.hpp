// An HttpClient that answers from a table of canned replies, for unit tests of the prefetch
// resolver's logic at its seam (what it asks, with which headers and limits, and what it does
// with each kind of answer). The real client against a real FHIR server is tested in
// tests/integration/prefetch_integration_test.cpp.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hooks/http_client.hpp"

namespace cds::hooks::testing {

struct CannedReply {
  unsigned status = 200;
  std::string body;
  std::optional<OutboundFailure> failure;
  /// Never answer (a transport that overran its deadline); the resolver's backstop must end
  /// the call.
  bool hang = false;
  /// Answer kTimeout at the request's deadline (what the real client does for a hanging server).
  bool time_out = false;
};

inline CannedReply Reply(unsigned status, std::string body) {
  return CannedReply{status, std::move(body), std::nullopt, false, false};
}
inline CannedReply Failure(OutboundFailure failure) {
  return CannedReply{0, "", failure, false, false};
}
inline CannedReply Hang() { return CannedReply{0, "", std::nullopt, true, false}; }
inline CannedReply TimeOut() { return CannedReply{0, "", std::nullopt, false, true}; }

/// Runs an io_context on two threads for the lifetime of the object.
class TestEventLoop {
 public:
  TestEventLoop() : io_(std::make_shared<boost::asio::io_context>()), guard_(io_->get_executor()) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_->run(); });
  }
  // Lets the loop run out of work (pending replies, timers) instead of stopping it, so that no
  // handler is left holding a resolver's state.
  ~TestEventLoop() {
    guard_.reset();
    for (auto& t : threads_) t.join();
  }
  [[nodiscard]] const std::shared_ptr<boost::asio::io_context>& io() const { return io_; }

 private:
  std::shared_ptr<boost::asio::io_context> io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

class CannedFhirClient : public HttpClient {
 public:
  explicit CannedFhirClient(std::shared_ptr<boost::asio::io_context> io) : io_(std::move(io)) {}

  /// The reply for exactly `url`; unknown URLs get 404 with an OperationOutcome.
  void Set(const std::string& url, CannedReply reply) {
    std::lock_guard lock(mutex_);
    replies_[url] = std::move(reply);
  }

  void Fetch(OutboundRequest request, std::function<void(OutboundResponse)> done) override {
    CannedReply reply;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      const auto it = replies_.find(request.url);
      if (it != replies_.end()) {
        reply = it->second;
      } else {
        reply.status = 404;
        reply.body =
            R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]})";
      }
      if (reply.hang) {
        hung_.push_back(std::move(done));  // kept, never called
        return;
      }
    }
    OutboundResponse response;
    if (reply.time_out) {
      auto timer = std::make_shared<boost::asio::steady_timer>(*io_, request.deadline);
      timer->async_wait([timer, done = std::move(done)](const boost::system::error_code&) {
        OutboundResponse r;
        r.failure = OutboundFailure::kTimeout;
        done(std::move(r));
      });
      return;
    }
    response.failure = reply.failure;
    response.status = reply.failure ? 0 : reply.status;
    response.body = std::move(reply.body);
    response.content_type = "application/fhir+json";
    boost::asio::post(*io_, [done = std::move(done), response = std::move(response)]() mutable {
      done(std::move(response));
    });
  }

  /// Drops the callbacks of hung requests (they hold the resolver's state, which holds this
  /// client): call before the test ends.
  void ReleaseHung() {
    std::vector<std::function<void(OutboundResponse)>> hung;
    {
      std::lock_guard lock(mutex_);
      hung.swap(hung_);
    }
  }

  [[nodiscard]] std::vector<OutboundRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  [[nodiscard]] std::size_t CountRequestsTo(std::string_view url_prefix) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const OutboundRequest& r : requests_) n += r.url.starts_with(url_prefix) ? 1 : 0;
    return n;
  }

 private:
  std::shared_ptr<boost::asio::io_context> io_;
  mutable std::mutex mutex_;
  std::map<std::string, CannedReply> replies_;
  std::vector<OutboundRequest> requests_;
  std::vector<std::function<void(OutboundResponse)>> hung_;
};

}  // namespace cds::hooks::testing
