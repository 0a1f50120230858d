#include "util/log_text.h"

namespace relais {

std::string log_text(std::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 3);
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    char esc[5] = {0};
    size_t n = 0;
    switch (c) {
      case '\n': esc[0] = '\\'; esc[1] = 'n'; n = 2; break;
      case '\r': esc[0] = '\\'; esc[1] = 'r'; n = 2; break;
      case '\t': esc[0] = '\\'; esc[1] = 't'; n = 2; break;
      case '\\': esc[0] = '\\'; esc[1] = '\\'; n = 2; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          esc[0] = '\\'; esc[1] = 'x'; esc[2] = kHex[c >> 4]; esc[3] = kHex[c & 15]; n = 4;
        }
    }
    // A UTF-8 sequence is kept whole or not at all.
    size_t width = n;
    if (n == 0) {
      width = 1;
      if (c >= 0xc0) {
        while (i + width < text.size() && width < 4 && (static_cast<unsigned char>(text[i + width]) & 0xc0) == 0x80)
          ++width;
      }
    }
    if (out.size() + width > max_bytes) {
      out += "...";
      return out;
    }
    if (n) {
      out.append(esc, n);
    } else {
      out.append(text.substr(i, width));
      i += width - 1;
    }
  }
  return out;
}

}  // namespace relais
