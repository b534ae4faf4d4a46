#include "uv_handle.hpp"

namespace pyattach {

namespace {

struct OwnedWrite {
  uv_write_t request{};
  std::shared_ptr<const std::string> header;
  std::shared_ptr<const std::string> payload;
  void (*done)(uv_stream_t*, int) = nullptr;
};

}  // namespace

int write_owned(uv_stream_t* stream, std::shared_ptr<const std::string> header,
                std::shared_ptr<const std::string> payload, void (*done)(uv_stream_t*, int)) {
  auto* write = new OwnedWrite{{}, std::move(header), std::move(payload), done};
  uv_buf_t bufs[2];
  unsigned count = 0;
  for (const auto* part : {write->header.get(), write->payload.get()}) {
    if (part != nullptr && !part->empty())
      bufs[count++] = uv_buf_init(const_cast<char*>(part->data()), part->size());
  }
  write->request.data = write;
  const int rc = uv_write(&write->request, stream, bufs, count, [](uv_write_t* req, int status) {
    auto* owned = static_cast<OwnedWrite*>(req->data);
    if (owned->done != nullptr) owned->done(req->handle, status);
    delete owned;
  });
  if (rc != 0) delete write;
  return rc;
}

}  // namespace pyattach
