#include "restore/plain_text.hpp"

#include <utility>

namespace pds::restore {

void PlainText::ToSink::write(const std::uint8_t* d, std::size_t n) {
    text_(reinterpret_cast<const char*>(d), n);
}

PlainText::PlainText(Sink text) : text_(std::move(text)) {}

void PlainText::feed(const std::uint8_t* data, std::size_t n) {
    if (first_) {
        first_ = false;
        dec_ = verify::detail::Decompressor::create(verify::detail::sniff_codec(data, n));
        if (dec_)
            dec_->set_sink(&sink_);
    }
    if (dec_)
        dec_->feed(data, n);
    else
        text_(reinterpret_cast<const char*>(data), n);
}

void PlainText::finish() {
    if (dec_)
        dec_->finish();
}

} // namespace pds::restore
