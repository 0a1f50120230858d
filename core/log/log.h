// Umbrella header of the log module: the broker's Log (log_writer.h), the
// auditor's LogReader, Merkle trees and checkpoints. See docs/log-format.md.
#pragma once

#include "log/checkpoint.h"
#include "log/log_reader.h"
#include "log/log_writer.h"
#include "log/merkle.h"
#include "log/record.h"
