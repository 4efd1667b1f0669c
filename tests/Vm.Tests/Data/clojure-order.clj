;; Expressions whose (hash x) and printed form JVM Clojure recorded in clojure-order.tsv
;; (scripts/record-clojure-order.sh). Yin must give the same for each (HashOrderTests).
;; One expression per line; blank lines and ;; comments are skipped.
nil
true
false
0
1
-1
2
42
-42
1000000
-1000000
2147483647
-2147483648
2147483648
9223372036854775807
-9223372036854775808
1.0
0.0
-0.0
1.5
-2.25
3.141592653589793
1e100
##Inf
##NaN
1N
-5N
12345678901234567890N
-12345678901234567890N
340282366920938463463374607431768211456N
(/ 1 2)
(/ -3 7)
(/ 10 4)
""
"a"
"ab"
"abc"
"hello world"
"Aa"
"BB"
"\u00e9"
:a
:b
:abc
:ns/a
:foo.bar/baz
:2nd
'a
'abc
'ns/a
'clojure.core/map
\a
\A
\space
\0
[]
[1]
[1 2]
[1 2 3]
[:a "b" \c]
()
'(1 2)
(list 1 2 3)
(seq [1 2 3])
(range 5)
(map inc (range 5))
{}
{:a 1}
{:a 1 :b 2}
{"x" [1 2]}
#{}
#{1}
#{1 2 3}
#{:a :b}
[[1 2] #{3} {:k :v}]
{:b 2 :a 1}
{:c 3 :b 2 :a 1 :d 4 :e 5 :f 6 :g 7 :h 8}
{:c 3 :b 2 :a 1 :d 4 :e 5 :f 6 :g 7 :h 8 :i 9}
(hash-map :b 2 :a 1)
(hash-map :a 1 :b 2 :c 3)
(assoc {:a 1 :b 2} :a 3)
(assoc {:b 1 :a 2} :c 3)
(dissoc {:a 1 :b 2 :c 3} :b)
(assoc {:a 1 :b 2 :c 3 :d 4 :e 5 :f 6 :g 7 :h 8} :i 9)
(dissoc (assoc {:a 1 :b 2 :c 3 :d 4 :e 5 :f 6 :g 7 :h 8} :i 9) :i)
(dissoc (zipmap (range 20) (range)) 3 5 7 9 11 13 15 17 19 1 0)
(zipmap [:z :y :x] (range))
(zipmap (map keyword (map str "abcdefghijklmnop")) (range))
(zipmap (map str (range 30)) (range))
(into {} (map vector (range 10) (range 10)))
(into {} (map vector (range 8) (range 8)))
(into {} (map vector (range 100) (range 100)))
(frequencies "hello world, the quick brown fox")
(frequencies [1 2 3 1 2 1])
(group-by count ["a" "bb" "cc" "ddd" "e" "ffff" "ggg"])
(group-by even? (range 10))
(merge {:z 1} {:a 2} {:m 3})
(select-keys {:a 1 :b 2 :c 3} [:c :a])
(update {:b 1 :a 2} :c (fnil inc 0))
(into {:x 1} {:y 2 :z 3})
(empty (hash-map :a 1))
(conj (empty (hash-map :a 1)) [:b 2] [:a 1])
(hash-map nil 1 0 2 "" 3)
{nil 1 :a 2}
(hash-set nil 0 "")
#{nil 1 2}
(set (range 40))
(into #{} (range 40))
(set (map str (range 40)))
(set (map keyword (map str "abcdefghijklmnopqrstuvwxyz")))
(set "hello world")
#{"Aa" "BB"}
#{"BB" "Aa"}
(conj #{"BB"} "Aa")
(disj (set (range 20)) 5 6 7)
(set [[1 2] [2 1] [0 0] [3 3] [1 0]])
(set [1.0 2.5 -3.5 0.5])
(set [1N 2 3N (/ 1 3)])
(set ['a 'b 'ns/c :a :ns/c])
(set [\a \b \c \Z])
(hash-map [1 2] :v [2 1] :w #{1} :s {:a 1} :m)
(keys (zipmap (range 12) (range)))
(vals (zipmap (range 12) (range)))
(seq (set (range 12)))
(first (set (range 12)))
(reduce conj [] (set (range 12)))
(sorted-map :b 2 :a 1 :c 3)
(sorted-set 3 1 2)
(into (sorted-map) (zipmap (range 12) (range)))
