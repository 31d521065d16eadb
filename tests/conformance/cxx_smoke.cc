/* SPDX-License-Identifier: MIT */
/*
 * cxx_smoke: an ordinary C++ program that allocates a lot through the
 * standard library (strings, vectors, maps, hash maps, shared pointers,
 * exceptions, streams) and prints what it computed. cases_cxx.sh runs it
 * plainly and under the drop-in library (default and debug mode) and
 * wants the same output each time.
 *
 *   cxx_smoke [ROUNDS]          (default 3)
 */
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

struct Node {
	std::string name;
	std::vector<std::shared_ptr<Node>> kids;
	explicit Node(std::string n) : name(std::move(n)) {}
};

/* A tree of shared nodes, torn down when the root goes. */
static std::size_t tree(unsigned seed)
{
	auto root = std::make_shared<Node>("root");
	std::vector<std::shared_ptr<Node>> all{ root };
	std::size_t chars = 0;

	for (unsigned i = 1; i < 3000; i++) {
		seed = seed * 1103515245u + 12345u;
		auto n = std::make_shared<Node>("n" + std::to_string(i));
		all[(seed >> 8) % all.size()]->kids.push_back(n);
		all.push_back(n);
	}
	for (const auto &n : all)
		chars += n->name.size() + n->kids.size();
	return chars;
}

/* Words counted in a map and a hash map, sorted by count. */
static std::string words(unsigned seed)
{
	std::map<std::string, int> counts;
	std::unordered_map<std::string, std::list<int>> where;
	std::ostringstream text, out;

	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		text << "w" << (seed >> 16) % 500 << ' ';
	}
	std::istringstream in(text.str());
	std::string w;
	for (int i = 0; in >> w; i++) {
		counts[w]++;
		where[w].push_back(i);
	}
	std::vector<std::pair<int, std::string>> by(counts.size());
	std::size_t k = 0;
	for (const auto &c : counts)
		by[k++] = { -c.second, c.first };
	std::sort(by.begin(), by.end());
	for (std::size_t i = 0; i < 5; i++)
		out << by[i].second << '=' << -by[i].first << ' ';
	out << where.size();
	return out.str();
}

/* Exceptions carrying strings, thrown and caught many times. */
static int throws(void)
{
	int caught = 0;

	for (int i = 0; i < 2000; i++) {
		try {
			if (i % 3 == 0)
				throw std::runtime_error("r" + std::string(i % 50, 'e'));
			std::vector<int> v(static_cast<std::size_t>(i % 7));
			(void)v.at(static_cast<std::size_t>(i % 11));
		} catch (const std::exception &e) {
			caught += static_cast<int>(std::string(e.what()).size() > 0);
		}
	}
	return caught;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? std::atoi(argv[1]) : 3;

	for (int r = 0; r < rounds; r++) {
		unsigned seed = 1234u + static_cast<unsigned>(r);

		std::printf("round %d: tree %zu; words %s; caught %d\n", r,
			    tree(seed), words(seed).c_str(), throws());
	}
	return 0;
}
