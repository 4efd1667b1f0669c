;; Source: Rosetta Code, task "Catalan numbers" (https://rosettacode.org/wiki/Catalan_numbers), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Catalan-numbers/Clojure/catalan-numbers.clj
;;   (commit cbaf4c4b648f623c7513c8964bcfae2b48a716e8).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-catalan-numbers; the REPL session's two inputs are printed by -main, the first for 10 numbers (15 overflows a long on Clojure 1.11).
(ns corpus.rc-catalan-numbers)

(def ! (memoize #(apply * (range 1 (inc %)))))

(defn catalan-numbers-direct []
  (map #(/ (! (* 2 %))
     (* (! (inc %)) (! %))) (range)))

(def catalan-numbers-recursive
     #(->> [1 1] ; [c0 n1]
     (iterate (fn [[c n]]
          [(* 2 (dec (* 2 n)) (/ (inc n)) c) (inc n)]) ,)
     (map first ,)))

(defn -main []
  (prn (take 10 (catalan-numbers-direct)))
  (prn (take 15 (catalan-numbers-recursive))))
