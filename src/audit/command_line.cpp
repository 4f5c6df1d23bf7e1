#include "audit/command_line.hpp"

#include "posix/atomic_file.hpp"
#include "text/text.hpp"

#include <sys/stat.h>

namespace po = boost::program_options;

namespace pds::audit {

po::variables_map parse_command_line(const std::vector<std::string>& args,
                                     po::options_description& desc) {
    desc.add_options()("operand", po::value<std::vector<std::string>>());
    po::positional_options_description pos;
    pos.add("operand", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args)
                      .options(desc)
                      .positional(pos)
                      .style(po::command_line_style::default_style &
                             ~po::command_line_style::allow_guessing)
                      .run(),
                  vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    return vm;
}

OutputFormat format_option(const po::variables_map& vm, OutputFormat dflt) {
    const auto v = get<std::string>(vm, "format");
    if (!v)
        return dflt;
    if (*v == "table" || *v == "text")
        return OutputFormat::Table;
    if (*v == "json")
        return OutputFormat::Json;
    if (*v == "prometheus")
        return OutputFormat::Prometheus;
    throw UsageError("--format: unknown format '" + *v + "' (expected table, json or prometheus)");
}

std::string output_option(const po::variables_map& vm) {
    const auto v = get<std::string>(vm, "output");
    if (!v)
        return "";
    if (v->empty())
        throw UsageError("--output: empty file name");
    return *v;
}

bool is_backup_root(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    return ::stat((path + "/toc.dat").c_str(), &st) != 0;
}

void emit_report(const std::string& output, const std::string& text, std::ostream& out) {
    if (output.empty()) {
        out << text;
        out.flush();
        if (!out)
            throw std::runtime_error("cannot write to standard output");
    } else {
        posix::write_file_atomically(output, text, posix::default_file_mode());
    }
}

int run_reporting_errors(std::ostream& err, const std::string& help,
                         const std::function<int()>& body) {
    try {
        return body();
    } catch (const UsageError& e) {
        err << kProgram << ": error: " << text::visible(e.what()) << "\n"
            << "Try '" << kProgram << " " << help << "' for more information.\n";
    } catch (const std::exception& e) {
        err << kProgram << ": error: " << text::visible(e.what()) << "\n";
    }
    return kCannotRun;
}

} // namespace pds::audit
